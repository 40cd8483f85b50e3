package effects

import (
	"encoding/json"

	"github.com/charter-gov/charter/chaincode/artifact"
	"github.com/charter-gov/charter/chaincode/constitution"
	"github.com/charter-gov/charter/chaincode/core"
	"github.com/charter-gov/charter/chaincode/decision"
	"github.com/charter-gov/charter/chaincode/emergency"
)

// ReleaseStage is the effect of a release_stage decision (House A): the
// payload is an artifact.StagePayload. A promotion moves one stage up and
// needs every checklist item the constitution lists for the target stage
// at execution (and no pause or takedown then); a demotion moves down any
// number of stages. At proposal the version and the move are checked.
func ReleaseStage() decision.Effect {
	return decision.Effect{Type: constitution.ReleaseStage,
		Check: func(s core.Store, _ *constitution.Version, payload json.RawMessage) error {
			return artifact.CheckProposal(s, payload)
		},
		Apply: func(tx *core.Tx, d *decision.Decision) (any, error) {
			cur, err := constitution.Current(tx.Store)
			if err != nil {
				return nil, err
			}
			return artifact.ApplyStage(tx, &cur.Document, d.Payload, d.ID)
		}}
}

// DatasetTakedown is the effect of a dataset_takedown decision (House A):
// the payload is an artifact.TakedownPayload; the dataset is marked taken
// down and every version derived from it affected.
func DatasetTakedown() decision.Effect {
	return decision.Effect{Type: constitution.DatasetTakedown,
		Check: func(s core.Store, _ *constitution.Version, payload json.RawMessage) error {
			_, _, err := artifact.CheckTakedown(s, payload)
			return err
		},
		Apply: func(tx *core.Tx, d *decision.Decision) (any, error) {
			return artifact.ApplyTakedown(tx, d.Payload, d.ID)
		}}
}

// EmergencyRatification is the effect of an emergency_ratification
// decision (House A): the payload is an emergency.RatificationPayload,
// extending a pause in force (never beyond emergency.maxPauseSeconds from
// its start) and/or allowing the guardians who paused a target to pause it
// again.
func EmergencyRatification() decision.Effect {
	return decision.Effect{Type: constitution.EmergencyRatification,
		Check: func(s core.Store, cur *constitution.Version, payload json.RawMessage) error {
			return emergency.CheckRatification(s, &cur.Document, payload)
		},
		Apply: func(tx *core.Tx, d *decision.Decision) (any, error) {
			return emergency.Ratify(tx, d.Payload, d.ID)
		}}
}
