package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/contribution"
	"github.com/charter-gov/charter/chaincode/genesis"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
)

func TestTextOutputOfTheGenesis(t *testing.T) {
	grace := identity.Identity{MSPID: "FoundationMSP", ID: "x509::CN=User1@foundation::CN=ca.foundation"}
	p := &genesis.Proposal{Round: 2, Hash: strings.Repeat("ab", 32), ProposedBy: admin, ProposedAt: at,
		Genesis: genesis.Genesis{Founders: []string{"FoundationMSP", "LabAMSP"}, Constitution: constitution.Document{Name: "Charter"},
			Members: []membership.FoundingMember{
				{Member: grace, Name: "Grace", Roles: []membership.Role{"member", "house_a"}},
				{Member: adaID, Name: "Ada", Roles: []membership.Role{"member", "attester"}, AttesterCategories: []contribution.Category{"merged_code"}},
			},
			Allocations: []genesis.Allocation{{To: grace, Amount: 1000}}}}
	approval := genesis.Approval{Round: 2, Hash: p.Hash, MSPID: "LabAMSP", ApprovedBy: admin, ApprovedAt: at}
	header := `genesis:      ` + p.Hash + `
state:        pending (round 2)
proposed:     2025-03-04T05:06:07Z by LabAMSP/Admin
founders:     FoundationMSP, LabAMSP
constitution: Charter

Initial members
  FoundationMSP  Grace  member,house_a                1000 tokens
  LabAMSP        Ada    member,attester  merged_code  
`
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"proposal", p, header},
		{"approval waiting", &genesis.ApprovalResult{Approval: approval, Missing: []string{"FoundationMSP"}}, `
approved:    round 2, hash ` + p.Hash + `, for LabAMSP by LabAMSP/Admin
waiting for: FoundationMSP
`},
		{"pending with approvals", &genesis.Status{Pending: p, Approvals: []genesis.Approval{approval}, Missing: []string{"FoundationMSP"}}, "\n" + header + `
Approvals
  LabAMSP        LabAMSP/Admin  2025-03-04T05:06:07Z
  FoundationMSP  (not yet)      
`},
		{"nothing proposed", &genesis.Status{}, `
no genesis proposed yet
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, formatter{w: &b}.print(tt.v))
			assert.Equal(t, strings.TrimPrefix(tt.want, "\n"), b.String())
		})
	}
}
