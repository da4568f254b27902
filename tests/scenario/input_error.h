// Test helper: the message of the scenario::InputError a call throws.
#pragma once

#include <functional>
#include <string>

#include "sim/scenario/json_doc.h"

// Runs `f` and returns the InputError message, or "<no error>".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const scenario::InputError& e) {
    return e.what();
  }
  return "<no error>";
}
