package contract

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
	"github.com/invopop/jsonschema"
)

// The contract metadata (org.hyperledger.fabric:GetMetadata) in Fabric's
// contract-schema format. contractapi's own metadata names every argument
// param0 and types it "string"; this one names each argument and gives its
// JSON Schema from the signature table: for a JSON argument the schema of
// the Go request type (field names exact, no additional properties), for a
// plain string its bound, pattern or enumeration. A client in any language
// can be written from it: every argument is sent as a string, JSON
// arguments as the JSON text of a value their schema accepts.

type mdInfo struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
}

type mdParam struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema"`
}

type mdTx struct {
	Name       string          `json:"name"`
	Tag        []string        `json:"tag"`
	Parameters []mdParam       `json:"parameters,omitempty"`
	Returns    json.RawMessage `json:"returns"`
}

type mdContract struct {
	Name         string `json:"name"`
	Info         mdInfo `json:"info"`
	Transactions []mdTx `json:"transactions"`
	Default      bool   `json:"default"`
}

type mdDoc struct {
	Schema     string                `json:"$schema"`
	Info       mdInfo                `json:"info"`
	Contracts  map[string]mdContract `json:"contracts"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

func buildMetadata(inner *contractapi.ContractChaincode, contracts []contractapi.ContractInterface) ([]byte, error) {
	doc := mdDoc{
		Schema:    "https://hyperledger.github.io/fabric-chaincode-node/main/api/contract-schema.json",
		Info:      mdInfo{Title: inner.Info.Title, Version: inner.Info.Version, Description: "Charter: governance for open-source AI communities. Every argument is a string; JSON arguments carry the JSON text of a value their schema accepts. Errors are \"CODE: message\"."},
		Contracts: map[string]mdContract{},
	}
	doc.Components.Schemas = map[string]json.RawMessage{}
	evaluate := map[string][]string{}
	for _, ci := range contracts {
		if e, ok := ci.(contractapi.EvaluationContractInterface); ok {
			evaluate[ci.GetName()] = e.GetEvaluateTransactions()
		}
	}
	result, err := json.Marshal(map[string]any{"type": "string", "description": "the result as JSON text"})
	if err != nil {
		return nil, fmt.Errorf("encode result schema: %w", err)
	}
	for _, s := range signatures() {
		c, found := doc.Contracts[s.contract]
		if !found {
			c = mdContract{Name: s.contract, Info: mdInfo{Title: s.contract, Version: inner.Info.Version}, Default: s.contract == inner.DefaultContract}
		}
		tag := "submit"
		if slices.Contains(evaluate[s.contract], s.name) {
			tag = "evaluate"
		}
		tx := mdTx{Name: s.name, Tag: []string{tag}, Returns: result}
		for _, p := range s.params {
			schema, err := p.schema()
			if err != nil {
				return nil, fmt.Errorf("schema of %s argument %s: %w", s.fullName(), p.name, err)
			}
			tx.Parameters = append(tx.Parameters, mdParam{Name: p.name, Description: p.description, Schema: schema})
		}
		c.Transactions = append(c.Transactions, tx)
		doc.Contracts[s.contract] = c
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode contract metadata: %w", err)
	}
	return raw, nil
}

// schema is the JSON Schema of one argument.
func (p param) schema() (json.RawMessage, error) {
	s := map[string]any{"type": "string", "maxLength": p.maxBytes()}
	if !p.optional {
		s["minLength"] = 1
	}
	switch p.kind {
	case kindJSON:
		r := jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true, RequiredFromJSONSchemaTags: true, Anonymous: true}
		js := r.Reflect(p.sample)
		js.Version = ""
		js.Description = p.description + " (sent as JSON text; names are exact, unknown or duplicate names are refused)"
		raw, err := json.Marshal(js)
		if err != nil {
			return nil, err
		}
		var tree any
		if err := json.Unmarshal(raw, &tree); err != nil {
			return nil, err
		}
		return json.Marshal(noBooleanSchemas(tree))
	case kindBool:
		s = map[string]any{"type": "string", "enum": []string{"true", "false"}}
	case kindInt:
		s["pattern"] = `^-?[0-9]+$`
	case kindTime:
		s["format"] = "date-time"
	case kindMSP, kindMemberID, kindRecordID:
		// chaincode/text's identifier rule: no control characters.
		s["pattern"] = `^[^\x00-\x1f\x7f-\x9f]*$`
	}
	return json.Marshal(s)
}

// noBooleanSchemas replaces the schema "true" (any value, what the reflector
// gives json.RawMessage fields) by the equivalent empty schema: Fabric's
// metadata reader takes no boolean schemas except additionalProperties.
func noBooleanSchemas(v any) any {
	m, isMap := v.(map[string]any)
	if !isMap {
		return v
	}
	for _, k := range []string{"properties", "patternProperties", "$defs"} {
		props, isMap := m[k].(map[string]any)
		if !isMap {
			continue
		}
		for name, sub := range props { //charter:allow map each entry is rewritten in place; order decides nothing
			if b, isBool := sub.(bool); isBool && b {
				props[name] = map[string]any{"description": "any JSON value, read by the transaction's own strict rules"}
				continue
			}
			props[name] = noBooleanSchemas(sub)
		}
	}
	if items, has := m["items"]; has {
		if b, isBool := items.(bool); isBool && b {
			m["items"] = map[string]any{}
		} else {
			m["items"] = noBooleanSchemas(items)
		}
	}
	return m
}
