package constitution

import "github.com/charter-gov/charter/chaincode/errcode"

// Safeguards limit what one organisation can weigh through the identities
// its admin registers (a permissioned sybil):
//
//   - OrgCapBps caps the share of any decision ballot's counted weight that
//     one organisation's members carry, applied at tally (10000: no cap;
//     at least 5000, so that at most one organisation is ever over it);
//   - VouchesRequired is how many members of other organisations must
//     vouch for a member before it may vote or counts in an electorate
//     (0: no vouching). Founding members (registered by the genesis) count
//     as vouched.
type Safeguards struct {
	OrgCapBps       int64 `json:"orgCapBps"`
	VouchesRequired int64 `json:"vouchesRequired"`
}

// Bounds of the safeguards.
const (
	MinOrgCapBps       = 5000
	MaxVouchesRequired = 16
)

// DefaultSafeguards: an organisation carries at most half of a ballot's
// counted weight, and a member votes once one member of another
// organisation has vouched for it. In a three-organisation consortium a
// 50 % cap means no organisation outweighs the other two together, so a
// decision that needs more than half never passes on one organisation's
// votes alone, while an organisation with many active members still
// weighs as much as everyone else combined. One vouch from another
// organisation makes every voter known to two organisations, at the cost
// of one transaction per new member.
func DefaultSafeguards() Safeguards { return Safeguards{OrgCapBps: 5000, VouchesRequired: 1} }

func (d *Document) validateSafeguards() error {
	if d.Emergency.GuardianOrgsToAct < 1 || d.Emergency.GuardianOrgsToAct > d.Emergency.GuardiansToAct {
		return errcode.InvalidFieldf("emergency.guardianOrgsToAct", "range", "constitution: emergency.guardianOrgsToAct is %d, must be between 1 and emergency.guardiansToAct (%d)", d.Emergency.GuardianOrgsToAct, d.Emergency.GuardiansToAct)
	}
	if d.Safeguards.OrgCapBps < MinOrgCapBps || d.Safeguards.OrgCapBps > 10000 {
		return errcode.InvalidFieldf("safeguards.orgCapBps", "range", "constitution: safeguards.orgCapBps is %d, must be between %d and 10000", d.Safeguards.OrgCapBps, MinOrgCapBps)
	}
	if d.Safeguards.VouchesRequired < 0 || d.Safeguards.VouchesRequired > MaxVouchesRequired {
		return errcode.InvalidFieldf("safeguards.vouchesRequired", "range", "constitution: safeguards.vouchesRequired is %d, must be between 0 and %d", d.Safeguards.VouchesRequired, MaxVouchesRequired)
	}
	return nil
}
