// Command charter-bench-chaincode runs the calibration chaincode ("bench")
// as a service (CCaaS), next to Charter's own chaincode on benchmark and
// test networks (network/up.sh --bench). Its one transaction, bench:Put,
// is a trivial key-value put measuring the network's own throughput; it is
// deliberately not part of the production chaincode, since it lets any
// identity on the channel write.
//
// Environment:
//
//	CHAINCODE_SERVER_ADDRESS  host:port to listen on (required)
//	CORE_CHAINCODE_ID_NAME    the package ID installed on the peer (required)
//	CHARTER_MAX_CLOCK_SKEW    as for charter-chaincode (default 5m)
//	CHARTER_PPROF_ADDR        host:port to serve pprof on (default: none; a busy port is logged, not fatal)
package main

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/charter-gov/charter/chaincode/contract"
	"github.com/charter-gov/charter/internal/pprofserve"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(logger); err != nil {
		logger.Error("bench chaincode server stopped", "err", err)
		os.Exit(1)
	}
}

func run(logger *slog.Logger) error {
	skew, err := contract.ParseMaxClockSkew(os.Getenv("CHARTER_MAX_CLOCK_SKEW"))
	if err != nil {
		return fmt.Errorf("CHARTER_MAX_CLOCK_SKEW=%w", err)
	}
	cfg := contract.Config{MaxClockSkew: skew, Now: time.Now}
	for _, k := range []string{"CHAINCODE_SERVER_ADDRESS", "CORE_CHAINCODE_ID_NAME"} {
		if os.Getenv(k) == "" {
			return fmt.Errorf("%s is not set; charter-bench-chaincode runs only as a chaincode service", k)
		}
	}
	// Profiling is optional: a pprof port taken by another process costs
	// the profile, never the chaincode service.
	if err := pprofserve.Start(os.Getenv("CHARTER_PPROF_ADDR"), logger); err != nil {
		logger.Warn("pprof not served", "CHARTER_PPROF_ADDR", os.Getenv("CHARTER_PPROF_ADDR"), "err", err)
	}
	cc, err := contract.NewBenchChaincode(cfg)
	if err != nil {
		return err
	}
	logger.Info("serving bench chaincode", "address", os.Getenv("CHAINCODE_SERVER_ADDRESS"),
		"packageId", os.Getenv("CORE_CHAINCODE_ID_NAME"))
	if err := cc.Start(); err != nil {
		return fmt.Errorf("serve bench chaincode: %w", err)
	}
	return nil
}
