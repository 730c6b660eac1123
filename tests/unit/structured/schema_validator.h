#pragma once
// A small JSON Schema validator for the subset the structured-output compiler supports, written from the
// JSON Schema 2020-12 text independently of the compiler: the reference the C++ property test checks generated
// documents against (tests/python/test_structured_property.py repeats the check with python-jsonschema).
// Test code only.
#include <string>

#include <nlohmann/json.hpp>

namespace edgeserve::structured::test {

// "" when `value` is valid under `schema` (refs resolve against `schema` itself), else the first reason found.
std::string validate_against_schema(const nlohmann::json& schema, const nlohmann::json& value);

}  // namespace edgeserve::structured::test
