module denative.dev/kit/go

go 1.24
