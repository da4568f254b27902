// Interrupts nobody handles, found before a run: every IPI whose vector is a constant (a call of
// an x2APIC sender of smp.s, or an ICR write) must have its .idt handler, or the target CPU would
// stop in the middle of the run.
#pragma once

#include <string>

#include "models/isa/image.h"

namespace kernel {

// "FILE:LINE: vector 49 sent by FUNC has no handler: ...", or "" when every constant vector has one.
std::string unhandled_vector(const isa::Image& img);

}  // namespace kernel
