// Litmus tests in the explorer: each thread a CPU running P<i>, no checks but the final states.
#include "sim/explore/litmus_run.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "models/isa/assembler.h"

namespace explore {
namespace {

class FinalStates : public Checker {
 public:
  FinalStates(const isa::Image& img, const Litmus& lit) {
    for (const LitmusAtom& a : lit.observed) places_.push_back(litmus_place(img, a));
  }

  void check(const Machine& m, const State& s, bool terminal, std::vector<Finding>&) override {
    if (!terminal) return;
    std::vector<isa::Word> v;
    v.reserve(places_.size());
    for (const LitmusPlace& p : places_)
      v.push_back(p.cpu < 0 ? m.read(s, p.addr) : s.cpus[p.cpu]->reg(p.reg));
    states_.insert(std::move(v));
  }

  const std::set<std::vector<isa::Word>>& states() const { return states_; }

 private:
  std::vector<LitmusPlace> places_;
  std::set<std::vector<isa::Word>> states_;
};

std::string atom_text(const LitmusAtom& a) {
  return (a.thread < 0 ? "" : std::to_string(a.thread) + ":") + a.name;
}

// herd prints /\ and \/ chains flat, parenthesising a nested operator of another kind.
void prop_text(const LitmusProp& p, std::ostringstream& out, bool nested) {
  using K = LitmusProp::Kind;
  switch (p.kind) {
    case K::True: out << "true"; return;
    case K::False: out << "false"; return;
    case K::Atom: out << atom_text(p.atom) << "=" << p.atom.value; return;
    case K::Not: {
      const bool bare = p.args[0].kind == K::Atom;  // And and Or parenthesise themselves
      out << (bare ? "~(" : "~");
      prop_text(p.args[0], out, true);
      out << (bare ? ")" : "");
      return;
    }
    case K::And: case K::Or: {
      if (nested) out << "(";
      for (std::size_t i = 0; i < p.args.size(); ++i) {
        if (i) out << (p.kind == K::And ? " /\\ " : " \\/ ");
        const LitmusProp& arg = p.args[i];
        prop_text(arg, out, arg.kind != p.kind && (arg.kind == K::And || arg.kind == K::Or));
      }
      if (nested) out << ")";
      return;
    }
  }
}

}  // namespace

isa::Image litmus_image(const Litmus& lit) {
  const isa::Word all = lit.threads >= 64 ? ~isa::Word(0) : (isa::Word(1) << lit.threads) - 1;
  return isa::assemble({{lit.file, lit.assembly, 0}},
                       {{"NR_CPUS", static_cast<isa::Word>(lit.threads)}, {"ALL_CPUS", all}});
}

LitmusPlace litmus_place(const isa::Image& img, const LitmusAtom& a) {
  LitmusPlace p;
  if (a.thread < 0) {
    p.addr = img.address(variable_of(a.name), {});
    return p;
  }
  p.cpu = a.thread;
  const isa::Function& f = img.function(*img.find_function("P" + std::to_string(a.thread)));
  const std::string r = register_of(a.name);
  auto it = std::find(f.reg_names.begin(), f.reg_names.end(), r);
  // The reader sets every register a thread's atoms name, so the function always has it.
  if (it == f.reg_names.end()) throw std::logic_error("P" + std::to_string(a.thread) + " has no register " + r);
  p.reg = static_cast<std::uint8_t>(it - f.reg_names.begin());
  return p;
}

isa::Word observed_value(const Litmus& lit, const std::vector<isa::Word>& v, const LitmusAtom& a) {
  for (std::size_t i = 0; i < lit.observed.size(); ++i) {
    const LitmusAtom& o = lit.observed[i];
    if (o.thread == a.thread && (a.thread < 0 ? o.name == a.name : register_of(o.name) == register_of(a.name)))
      return v[i];
  }
  throw std::logic_error("litmus atom " + a.name + " is not observed");
}

void settle_verdict(const Litmus& lit, LitmusOutcome& o) {
  using Obs = LitmusOutcome::Observation;
  o.observation = o.positive == 0 ? Obs::Never : o.negative == 0 ? Obs::Always : Obs::Sometimes;
  switch (lit.quantifier) {
    case Litmus::Quantifier::Exists: o.ok = o.positive > 0; break;
    case Litmus::Quantifier::NotExists: o.ok = o.positive == 0; break;
    case Litmus::Quantifier::Forall: o.ok = o.negative == 0; break;
  }
}

const char* observation_name(LitmusOutcome::Observation o) {
  switch (o) {
    case LitmusOutcome::Observation::Never: return "Never";
    case LitmusOutcome::Observation::Sometimes: return "Sometimes";
    case LitmusOutcome::Observation::Always: return "Always";
  }
  return "?";
}

LitmusOutcome run_litmus(const Litmus& lit, bool tso, const Bounds& bounds, bool fold_local_steps, Budget* budget) {
  const isa::Image img = litmus_image(lit);
  MachineConfig cfg;
  for (int t = 0; t < lit.threads; ++t) cfg.tasks.push_back(*img.find_function("P" + std::to_string(t)));
  cfg.memory = img.initial_memory();
  cfg.tso = tso;
  cfg.fold_local_steps = fold_local_steps;
  Machine machine(img, cfg);
  FinalStates finals(img, lit);
  Options opts;
  opts.bounds = bounds;
  opts.budget = budget;
  opts.livelock = false;  // litmus threads jump forward only: every run ends
  Explorer explorer(machine, finals, opts);

  LitmusOutcome o;
  o.exploration = explorer.run();
  o.states.assign(finals.states().begin(), finals.states().end());
  for (const auto& v : o.states) {
    const bool holds = lit.holds([&](const LitmusAtom& a) { return observed_value(lit, v, a); });
    ++(holds ? o.positive : o.negative);
  }
  settle_verdict(lit, o);
  return o;
}

std::string condition_text(const Litmus& lit) {
  std::ostringstream out;
  switch (lit.quantifier) {
    case Litmus::Quantifier::Exists: out << "exists "; break;
    case Litmus::Quantifier::NotExists: out << "~exists "; break;
    case Litmus::Quantifier::Forall: out << "forall "; break;
  }
  out << "(";
  prop_text(lit.condition, out, false);
  out << ")";
  return out.str();
}

std::string herd_report(const Litmus& lit, const LitmusOutcome& o) {
  std::ostringstream out;
  const char* kind = lit.quantifier == Litmus::Quantifier::Exists      ? "Allowed"
                     : lit.quantifier == Litmus::Quantifier::NotExists ? "Forbidden"
                                                                       : "Required";
  out << "Test " << lit.name << " " << kind << "\n";
  if (!o.exploration.complete) {
    // A partial set of final states would be a wrong answer printed as a right one.
    out << "Bounded: " << o.exploration.bound << " after " << o.exploration.states
        << " states; no verdict\n";
    return out.str();
  }
  out << "States " << o.states.size() << "\n";
  for (const auto& v : o.states) {
    for (std::size_t i = 0; i < v.size(); ++i) out << (i ? " " : "") << atom_text(lit.observed[i]) << "=" << v[i] << ";";
    out << "\n";
  }
  out << (o.ok ? "Ok" : "No") << "\n";
  out << "Witnesses\n";
  out << "Positive: " << o.positive << " Negative: " << o.negative << "\n";
  out << "Condition " << condition_text(lit) << "\n";
  out << "Observation " << lit.name << " " << observation_name(o.observation) << " " << o.positive << " "
      << o.negative << "\n";
  return out.str();
}

}  // namespace explore
