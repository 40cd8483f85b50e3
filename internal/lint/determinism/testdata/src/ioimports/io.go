package ioimports

import (
	"io/ioutil"     // want `determinism: import of io/ioutil: file system access differs.*\[io\]`
	"net"           // want `import of net: network responses differ`
	"net/http"      // want `import of net/http: network responses differ`
	"os"            // want `import of os: the file system, environment and processes differ`
	"os/exec"       // want `import of os/exec`
	"plugin"        // want `import of plugin`
	"runtime"       // want `import of runtime: the runtime exposes`
	"runtime/debug" // want `import of runtime/debug`
	"syscall"       // want `import of syscall`
	"unsafe"        // want `import of unsafe`

	// Pure packages are fine.
	"path"
	"path/filepath"
	"strings"
)

var (
	_ = ioutil.Discard
	_ = net.IPv4len
	_ = http.MethodGet
	_ = os.Getenv
	_ = exec.Command
	_ = plugin.Open
	_ = runtime.NumCPU
	_ = debug.SetGCPercent
	_ = syscall.Getpid
	_ = unsafe.Sizeof(0)
	_ = path.Join
	_ = filepath.Join
	_ = strings.Join
)
