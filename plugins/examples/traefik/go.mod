module denative.dev/examples/traefik

go 1.24

require denative.dev/kit/go v0.0.0

replace denative.dev/kit/go => ../../kits/go
