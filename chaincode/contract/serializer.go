package contract

import (
	"reflect"

	"github.com/hyperledger/fabric-contract-api-go/v2/metadata"
	"github.com/hyperledger/fabric-contract-api-go/v2/serializer"
)

// stringSerializer is contractapi's JSON transaction serializer with one
// shortcut: a string argument or result is passed through as it is.
//
// Every Charter transaction takes strings and returns a string (its JSON
// arguments are decoded by chaincode/strictjson, which refuses what the
// domain does not accept). contractapi's serializer checks each of them
// against the schema its reflection generated for a Go string, {"type":
// "string"}, by marshalling the value into a map, decoding that again
// and walking it with gojsonschema: about a fifth of the chaincode
// server's CPU for a small write, and proportional to the size for a
// large query result, for a check a string cannot fail (invalid UTF-8
// too is marshalled, not refused). Every other type goes through
// contractapi's serializer unchanged. TestStringSerializerMatchesContractapi
// holds the two to the same output.
type stringSerializer struct {
	serializer.JSONSerializer
}

// FromString converts one transaction argument.
func (s *stringSerializer) FromString(param string, fieldType reflect.Type, paramMetadata *metadata.ParameterMetadata, components *metadata.ComponentMetadata) (reflect.Value, error) {
	if fieldType == reflect.TypeFor[string]() {
		return reflect.ValueOf(param), nil
	}
	return s.JSONSerializer.FromString(param, fieldType, paramMetadata, components)
}

// ToString converts a transaction's result.
func (s *stringSerializer) ToString(result reflect.Value, resultType reflect.Type, returns *metadata.ReturnMetadata, components *metadata.ComponentMetadata) (string, error) {
	if resultType == reflect.TypeFor[string]() && result.Kind() == reflect.String {
		return result.String(), nil
	}
	return s.JSONSerializer.ToString(result, resultType, returns, components)
}
