// Command etcd wraps etcdmain at the version k8s.io/kubernetes pins (go.mod).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
