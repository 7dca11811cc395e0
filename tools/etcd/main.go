// etcd for eksfit's test control plane: the etcd server of the version pinned in
// tools/versions.env (go.mod requires it), built by scripts/tools.sh. This file is the
// whole wrapper: etcd's own command, unchanged.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
