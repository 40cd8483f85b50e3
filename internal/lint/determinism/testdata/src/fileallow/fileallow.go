//charter:allow io this adapter reads peer configuration from the environment at start-up only
//charter:allow rand test of file-wide suppression only

package fileallow

import (
	"math/rand"
	"os"
	"time"
)

func f() (string, int) {
	_ = time.Now() // want `time\.Now reads the peer's clock`
	return os.Getenv("X"), rand.Int()
}
