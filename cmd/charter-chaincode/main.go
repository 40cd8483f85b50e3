// Command charter-chaincode runs Charter's chaincode as a service (CCaaS):
// its own gRPC server that the peer dials through the external builder.
//
// Environment:
//
//	CHAINCODE_SERVER_ADDRESS  host:port to listen on (required)
//	CORE_CHAINCODE_ID_NAME    the package ID installed on the peer (required)
//	CHARTER_MAX_CLOCK_SKEW    largest accepted distance between a proposal's
//	                          timestamp and this server's clock (default 5m)
//	CHARTER_FOUNDERS          the consortium's founding MSP IDs, comma-separated
//	                          (e.g. FoundationMSP,LabAMSP,LabBMSP); this peer
//	                          endorses no genesis naming another founder set.
//	                          Unset: no check (any founder set of at least two)
package main

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/charter-gov/charter/chaincode/contract"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(logger); err != nil {
		logger.Error("chaincode server stopped", "err", err)
		os.Exit(1)
	}
}

func run(logger *slog.Logger) error {
	cfg := contract.Config{MaxClockSkew: contract.DefaultMaxClockSkew, Now: time.Now}
	if s := os.Getenv("CHARTER_MAX_CLOCK_SKEW"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return fmt.Errorf("CHARTER_MAX_CLOCK_SKEW=%q: want a positive duration such as 5m", s)
		}
		cfg.MaxClockSkew = d
	}
	founders, err := contract.ParseFounders(os.Getenv("CHARTER_FOUNDERS"))
	if err != nil {
		return fmt.Errorf("CHARTER_FOUNDERS: %w", err)
	}
	cfg.Founders = founders
	for _, k := range []string{"CHAINCODE_SERVER_ADDRESS", "CORE_CHAINCODE_ID_NAME"} {
		if os.Getenv(k) == "" {
			return fmt.Errorf("%s is not set; charter-chaincode runs only as a chaincode service", k)
		}
	}
	cc, err := contract.NewChaincode(cfg)
	if err != nil {
		return err
	}
	logger.Info("serving chaincode", "address", os.Getenv("CHAINCODE_SERVER_ADDRESS"),
		"packageId", os.Getenv("CORE_CHAINCODE_ID_NAME"), "maxClockSkew", cfg.MaxClockSkew.String(), "founders", cfg.Founders)
	if err := cc.Start(); err != nil {
		return fmt.Errorf("serve chaincode: %w", err)
	}
	return nil
}
