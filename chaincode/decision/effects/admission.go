package effects

import (
	"encoding/json"

	"github.com/charter-gov/charter/chaincode/admission"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
)

// PartnerAdmission is the effect of a partner_admission decision (both
// houses): the payload is an admission.Payload ({mspId, name,
// rootCaDigests, tlsCaDigests, peerEndpoints}); executing it records the
// Admission (admission.Admit). It changes no channel configuration: the
// update that adds the organisation to the channel is built from this
// record and refused when it differs from it (charter-netadmin, network/
// scripts), and the organisations' admins sign it.
func PartnerAdmission() decision.Effect {
	return decision.Effect{Type: constitution.PartnerAdmission,
		Check: func(s core.Store, _ *constitution.Version, payload json.RawMessage) error {
			_, err := admission.CheckAdmit(s, payload)
			return err
		},
		Apply: func(tx *core.Tx, d *decision.Decision) (any, error) {
			return admission.Admit(tx, d.ID, d.Payload)
		}}
}

// PartnerRemoval is the effect of a partner_removal decision (both houses,
// like the admission it undoes): the payload is an admission.RemovalPayload
// ({mspId, reason}); executing it marks the admitted organisation removed
// on its record (admission.Remove). A founding organisation, one no
// decision admitted, and one already removed are refused at proposal and
// at execution. The update that takes the organisation out of the channel
// (network/admit.sh --remove) is refused unless the peers' record shows
// this removal.
func PartnerRemoval() decision.Effect {
	return decision.Effect{Type: constitution.PartnerRemoval,
		Check: func(s core.Store, _ *constitution.Version, payload json.RawMessage) error {
			_, _, err := admission.CheckRemove(s, payload)
			return err
		},
		Apply: func(tx *core.Tx, d *decision.Decision) (any, error) {
			return admission.Remove(tx, d.ID, d.Payload)
		}}
}
