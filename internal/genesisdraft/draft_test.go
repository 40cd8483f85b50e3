package genesisdraft

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
)

func base() Options {
	ada := identity.Identity{MSPID: "LabAMSP", ID: "x509::CN=ada::CN=ca"}
	return Options{
		Founders:    []string{"LabAMSP", "LabBMSP"},
		Members:     []membership.FoundingMember{{Member: ada, Name: "Ada", Roles: []membership.Role{membership.RoleHouseA}}},
		Allocations: []genesis.Allocation{{To: ada, Amount: 10}},
	}
}

func TestDraft(t *testing.T) {
	delay := int64(7)
	for _, tt := range []struct {
		name  string
		edit  func(*Options)
		check func(t *testing.T, g genesis.Genesis)
		code  errcode.Code
		field string
	}{
		{"default document", func(*Options) {}, func(t *testing.T, g genesis.Genesis) {
			require.Equal(t, constitution.Default().Time, g.Constitution.Time)
		}, "", ""},
		{"short periods for one type", func(o *Options) { o.PeriodsSec, o.PeriodsFor = 5, []string{"budget"} }, func(t *testing.T, g genesis.Genesis) {
			for _, r := range g.Constitution.DecisionRules {
				if r.Type == "budget" {
					require.EqualValues(t, 5, r.VotingPeriodSec)
					require.Zero(t, r.TimelockSec)
				} else {
					require.NotEqualValues(t, 5, r.VotingPeriodSec, r.Type)
				}
			}
			require.EqualValues(t, 5, g.Constitution.Concurrence.MediationSec)
		}, "", ""},
		{"skew and treasury delay", func(o *Options) { o.ClockSkewSec, o.TreasuryDelaySec = 3, &delay }, func(t *testing.T, g genesis.Genesis) {
			require.EqualValues(t, 3, g.Constitution.Time.MaxClockSkewSec)
			require.EqualValues(t, 7, g.Constitution.Treasury.ExecutionDelaySec)
		}, "", ""},
		{"unknown periodsFor type", func(o *Options) { o.PeriodsSec, o.PeriodsFor = 5, []string{"coronation"} }, nil, errcode.InvalidArgument, "periodsFor"},
		{"periodsFor alone", func(o *Options) { o.PeriodsFor = []string{"budget"} }, nil, errcode.InvalidArgument, "periodsFor"},
		{"one founder", func(o *Options) { o.Founders = []string{"LabAMSP"} }, nil, errcode.InvalidArgument, "founders"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := base()
			tt.edit(&o)
			hash, g, err := Draft(o)
			if tt.code != "" {
				require.Error(t, err)
				require.Equal(t, tt.code, errcode.CodeOf(err), "%v", err)
				field, _ := errcode.FieldOf(err)
				require.Equal(t, tt.field, field)
				return
			}
			require.NoError(t, err)
			want, _, err := genesis.Hash(g)
			require.NoError(t, err)
			require.Equal(t, want, hash, "the hash is the normalised document's")
			tt.check(t, g)
		})
	}
}
