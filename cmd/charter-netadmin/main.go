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
//	charter-netadmin admit-update --block CONFIG_BLOCK --msp MSPID --msp-dir DIR --anchor HOST:PORT[,HOST:PORT] --admission ADMISSION_JSON --out ENVELOPE
//	    adds the organisation (its public MSP folder: cacerts/, tlscacerts/;
//	    its anchor peers) to the channel's Application group — only when
//	    ADMISSION_JSON (admission:Get, an executed partner_admission
//	    decision's record) names exactly this MSP ID, these CA digests and
//	    these peers; an empty or missing file is "no admission".
//
//	charter-netadmin remove-update --block CONFIG_BLOCK --msp MSPID --out ENVELOPE
//	    removes the organisation from the Application group.
//
//	charter-netadmin forward --listen HOST --to HOST --ports PORT[,PORT...]
//	    the one subcommand that talks to the network: a plain TCP forwarder
//	    (internal/netfwd) from HOST:PORT to the target HOST:PORT for every
//	    port, until SIGTERM or SIGINT. network/partner.sh runs it on the
//	    host side of a partner's veth link, so that the partner's host
//	    reaches the founders' orderers and peers (listening on 127.0.0.1);
//	    TLS runs end to end through it. Prints one JSON line once listening.
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
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"

	"github.com/charter-gov/charter/chaincode/admission"
	"github.com/charter-gov/charter/internal/chanconfig"
	"github.com/charter-gov/charter/internal/netfwd"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: charter-netadmin crl-update|admit-update|remove-update --block FILE --msp MSPID ... --out FILE | forward --listen HOST --to HOST --ports PORTS")
		return 2
	}
	var err error
	switch args[0] {
	case "crl-update":
		err = crlUpdate(args[1:], stdout)
	case "admit-update":
		err = admitUpdate(args[1:], stdout)
	case "remove-update":
		err = removeUpdate(args[1:], stdout)
	case "forward":
		err = forward(args[1:], stdout)
	default:
		err = fmt.Errorf("%w: unknown command %q (known: crl-update, admit-update, remove-update, forward)", chanconfig.ErrInvalid, args[0])
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
	if err := required(map[string]string{"--block": *block, "--msp": *msp, "--crl": *crl, "--out": *out}); err != nil {
		return err
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
		ApplicationOrgs int `json:"applicationOrgs"`
	}{channel, rev, appOrgs(cfg)})
}

// readBlock reads the config block named by --block.
func readBlock(path string) (*cb.Config, string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("%w: config block: %v", chanconfig.ErrInvalid, err)
	}
	cfg, channel, err := chanconfig.ConfigFromBlock(raw)
	if err != nil {
		return nil, "", fmt.Errorf("config block %s: %w", path, err)
	}
	return cfg, channel, nil
}

func writeEnvelope(update []byte, out string) error {
	env, err := chanconfig.Envelope(update)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, env, 0o644); err != nil {
		return fmt.Errorf("writing the envelope: %w", err)
	}
	return nil
}

func required(flags map[string]string) error {
	names := make([]string, 0, len(flags))
	for n := range flags {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if flags[n] == "" {
			return fmt.Errorf("%w: %s is required", chanconfig.ErrInvalid, n)
		}
	}
	return nil
}

func admitUpdate(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("admit-update", flag.ContinueOnError)
	block := fs.String("block", "", "the channel's latest config block")
	msp := fs.String("msp", "", "the admitted organisation's MSP ID")
	dir := fs.String("msp-dir", "", "its public MSP folder (cacerts/, tlscacerts/)")
	anchors := fs.String("anchor", "", "its anchor peers, host:port[,host:port]")
	adm := fs.String("admission", "", "admission:Get's answer (JSON); empty file: no admission")
	out := fs.String("out", "", "where to write the unsigned config update envelope")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", chanconfig.ErrInvalid, err)
	}
	if err := required(map[string]string{"--block": *block, "--msp": *msp, "--msp-dir": *dir, "--anchor": *anchors, "--admission": *adm, "--out": *out}); err != nil {
		return err
	}
	cfg, channel, err := readBlock(*block)
	if err != nil {
		return err
	}
	n, err := chanconfig.ReadMSPDir(*msp, *dir, strings.Split(*anchors, ","))
	if err != nil {
		return err
	}
	var admitted *admission.Admission
	if raw, err := os.ReadFile(*adm); err == nil && len(strings.TrimSpace(string(raw))) > 0 {
		admitted = new(admission.Admission)
		if err := json.Unmarshal(raw, admitted); err != nil {
			return fmt.Errorf("%w: admission record %s: %v", chanconfig.ErrInvalid, *adm, err)
		}
	}
	update, err := chanconfig.AdmissionUpdate(cfg, channel, n, admitted)
	if err != nil {
		return err
	}
	if err := writeEnvelope(update, *out); err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(struct {
		Channel         string            `json:"channel"`
		Decision        string            `json:"decision"`
		Adds            admission.Payload `json:"adds"`
		ApplicationOrgs int               `json:"applicationOrgs"`
	}{channel, admitted.Decision, n.Payload(), appOrgs(cfg)})
}

func removeUpdate(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("remove-update", flag.ContinueOnError)
	block := fs.String("block", "", "the channel's latest config block")
	msp := fs.String("msp", "", "the MSP ID of the organisation to remove")
	out := fs.String("out", "", "where to write the unsigned config update envelope")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", chanconfig.ErrInvalid, err)
	}
	if err := required(map[string]string{"--block": *block, "--msp": *msp, "--out": *out}); err != nil {
		return err
	}
	cfg, channel, err := readBlock(*block)
	if err != nil {
		return err
	}
	update, err := chanconfig.RemovalUpdate(cfg, channel, *msp)
	if err != nil {
		return err
	}
	if err := writeEnvelope(update, *out); err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(struct {
		Channel         string `json:"channel"`
		Removes         string `json:"removes"`
		ApplicationOrgs int    `json:"applicationOrgs"`
	}{channel, *msp, appOrgs(cfg)})
}

// appOrgs is how many application organisations the configuration the
// update was built from has: the channel's MAJORITY Admins policy needs
// more than half of them to sign.
func appOrgs(cfg *cb.Config) int {
	return len(cfg.GetChannelGroup().GetGroups()["Application"].GetGroups())
}

// forward runs a netfwd.Forwarder until SIGTERM or SIGINT.
func forward(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("forward", flag.ContinueOnError)
	listen := fs.String("listen", "", "the address to listen on (an IP address of this host)")
	to := fs.String("to", "", "the address to relay to")
	portList := fs.String("ports", "", "the ports, comma-separated: each HOST:PORT is relayed to the target's same port")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", chanconfig.ErrInvalid, err)
	}
	if err := required(map[string]string{"--listen": *listen, "--to": *to, "--ports": *portList}); err != nil {
		return err
	}
	for _, h := range []string{*listen, *to} {
		if net.ParseIP(h) == nil {
			return fmt.Errorf("%w: %q is not an IP address", chanconfig.ErrInvalid, h)
		}
	}
	ports, err := netfwd.ParsePorts(*portList)
	if err != nil {
		return fmt.Errorf("%w: %v", chanconfig.ErrInvalid, err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	f := &netfwd.Forwarder{ListenHost: *listen, TargetHost: *to}
	if err := f.Start(ports); err != nil {
		return err
	}
	if err := json.NewEncoder(stdout).Encode(struct {
		Listening []string `json:"listening"`
		To        string   `json:"to"`
	}{f.Addrs(), *to}); err != nil {
		_ = f.Close()
		return err
	}
	<-sig
	return f.Close()
}
