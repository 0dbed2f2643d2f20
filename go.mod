module sliceproxy

go 1.26

require (
	github.com/alecthomas/participle/v2 v2.1.4
	github.com/dlclark/regexp2 v1.12.0
	github.com/rs/zerolog v1.35.1
	golang.org/x/crypto v0.46.0
	golang.org/x/net v0.47.0
	golang.org/x/sys v0.47.0
)

require (
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	golang.org/x/text v0.32.0 // indirect
)
