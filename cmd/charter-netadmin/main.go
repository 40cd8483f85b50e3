// Command charter-netadmin builds the channel configuration updates that
// the network scripts (network/member.sh) have the organisations' admins
// sign and submit. It reads and writes files only; it never signs and
// never talks to the network.
//
//	charter-netadmin crl-update --block CONFIG_BLOCK --msp MSPID --crl CRL_PEM --out ENVELOPE
//	    puts the CRL into MSPID's revocation list (replacing an earlier CRL
//	    of the same CA); writes the unsigned config update envelope and
//	    prints what changed as JSON.
//
// Exit status: 0 done; 2 bad input (the rule is named; nothing written);
// 1 any other failure.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/charter-gov/charter/internal/chanconfig"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: charter-netadmin crl-update --block FILE --msp MSPID --crl FILE --out FILE")
		return 2
	}
	var err error
	switch args[0] {
	case "crl-update":
		err = crlUpdate(args[1:], stdout)
	default:
		err = fmt.Errorf("%w: unknown command %q (known: crl-update)", chanconfig.ErrInvalid, args[0])
	}
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "charter-netadmin: %v\n", err)
	if errors.Is(err, chanconfig.ErrInvalid) {
		return 2
	}
	return 1
}

func crlUpdate(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("crl-update", flag.ContinueOnError)
	block := fs.String("block", "", "the channel's latest config block (peer channel fetch config)")
	msp := fs.String("msp", "", "the MSP ID of the organisation whose CA issued the CRL")
	crl := fs.String("crl", "", "the CRL (PEM), e.g. fabric-ca-client gencrl's")
	out := fs.String("out", "", "where to write the unsigned config update envelope")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", chanconfig.ErrInvalid, err)
	}
	for name, v := range map[string]string{"--block": *block, "--msp": *msp, "--crl": *crl, "--out": *out} {
		if v == "" {
			return fmt.Errorf("%w: %s is required", chanconfig.ErrInvalid, name)
		}
	}
	rawBlock, err := os.ReadFile(*block)
	if err != nil {
		return fmt.Errorf("%w: config block: %v", chanconfig.ErrInvalid, err)
	}
	crlPEM, err := os.ReadFile(*crl)
	if err != nil {
		return fmt.Errorf("%w: CRL: %v", chanconfig.ErrInvalid, err)
	}
	cfg, channel, err := chanconfig.ConfigFromBlock(rawBlock)
	if err != nil {
		return fmt.Errorf("config block %s: %w", *block, err)
	}
	update, rev, err := chanconfig.RevocationUpdate(cfg, channel, *msp, crlPEM)
	if err != nil {
		return err
	}
	env, err := chanconfig.Envelope(update)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, env, 0o644); err != nil {
		return fmt.Errorf("writing the envelope: %w", err)
	}
	return json.NewEncoder(stdout).Encode(struct {
		Channel string `json:"channel"`
		chanconfig.Revocation
	}{channel, rev})
}
