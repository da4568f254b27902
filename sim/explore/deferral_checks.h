// The explorer's built-in checks for a deferral protocol, and a scenario's `expect` clauses read
// as conditions on every execution's end.
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
  // the `ipi` protocol): only then is "this CPU refuses deferral for ever" a finding.
  bool defers() const { return defers_; }

 private:
  bool accepts_work(const Machine& m, const State& s, std::uint32_t target) const;

  const scenario::JsonDoc& doc_;
  std::vector<scenario::Expect> expect_;
  std::vector<std::string> unchecked_;
  std::vector<bool> isolated_;
  bool defers_ = false;
  // Ledgers (by id) whose ledger-only checks found nothing: many states share one ledger.
  std::unordered_set<std::uint32_t> clean_ledgers_;
};

}  // namespace explore
