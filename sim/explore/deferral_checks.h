// The explorer's built-in checks for a deferral protocol, and a scenario's `expect` clauses read
// as conditions on every execution's end (or, for one that pins a violation, on some execution).
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "sim/explore/explorer.h"
#include "sim/scenario/scenario.h"

namespace explore {

class DeferralChecks : public Checker {
 public:
  // Expect paths outside "deferral." and "memory." (interference is a timed measure) are listed
  // by unchecked() rather than dropped in silence.
  DeferralChecks(const scenario::JsonDoc& doc, const scenario::Scenario& s, const Machine& m);
  void check(const Machine& m, const State& s, bool terminal, std::vector<Finding>& out) override;
  const std::vector<std::string>& unchecked() const { return unchecked_; }
  // Whether ct_set_cpu_work() is modelled and accepts work for an isolated CPU at boot (not with
  // the `ipi` protocol), or, with none isolated at boot and the runtime switch, is modelled at
  // all: only then is "this nohz_full CPU refuses deferral for ever" a finding.
  bool defers() const { return defers_; }

  // An expect clause that pins a violation (`deferral.double_executions == 1`: it fails when the
  // count is 0) asks that some execution shows it, as the timed run it was written for does;
  // the violations of its kind are then expected, not a verdict against the protocol. Every other
  // clause must hold at the end of every execution.
  struct Pinned {
    std::string text;      // "deferral.double_executions == 1"
    std::string kind;      // the finding it pins: "double_execution"
    bool met = false;      // some state so far satisfies it
  };
  const std::vector<Pinned>& pinned() const { return pinned_; }
  bool expected(const std::string& kind) const;

 private:
  bool accepts_work(const Machine& m, const State& s, std::uint32_t target) const;

  const scenario::JsonDoc& doc_;
  std::vector<scenario::Expect> expect_;   // must hold at every end
  std::vector<scenario::Expect> pinned_expect_;
  std::vector<Pinned> pinned_;
  std::vector<std::string> unchecked_;
  bool defers_ = false;
  // Ledgers (by id) whose ledger-only checks found nothing: many states share one ledger.
  std::unordered_set<std::uint32_t> clean_ledgers_;
  std::unordered_set<std::uint64_t> pinned_seen_;  // (ledger id, terminal) the pinned clauses were tried on
};

}  // namespace explore
