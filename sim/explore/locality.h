// The reduction's guesses, from random executions: which CPUs no IPI reaches, which words one CPU
// touches, which instructions never race. The exploration checks each (Machine throws
// NotInterruptFree, NotPrivate or Racy) and starts again without the one that was wrong.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "sim/explore/budget.h"
#include "sim/explore/machine.h"

namespace explore {

struct Locality {
  std::vector<bool> interrupt_free;            // per CPU: no IPI reached it
  std::vector<std::int32_t> owner;             // per word: the only CPU that touched it, or -1
  std::vector<std::vector<bool>> race_free;    // per function and pc: accessed memory, never racing
  std::vector<bool> deferral_targets;          // per CPU: work was posted to it
  int walks = 0;                               // random executions it took
};

// Up to `walks` random executions from the initial state (a fixed seed: the same answer every
// time), ending sooner once `quiet_walks` in a row changed no guess.
// An access races when another CPU touched the same word between the accessing CPU's previous
// step and the access, or in the same way the other way round: their windows overlap, so either
// could come first. Two CPUs' accesses to one word race too when one is LOCKed and the walks saw
// them in both orders, overlapping or not.
// The walks end early when `budget` is exhausted, with the guesses of the steps run so far.
Locality guess_locality(const isa::Image& img, const MachineConfig& cfg, int walks = 200, int quiet_walks = 20,
                        Budget* budget = nullptr);

// The guesses an exploration proved wrong, in the order it did.
struct WrongGuesses {
  std::vector<std::uint32_t> interrupted;  // CPUs called interrupt-free that an IPI reached
  std::vector<NotPrivate> shared;          // words another CPU touched too
  std::vector<Racy> racing;                // race-free instructions that raced
  std::vector<std::uint32_t> targets;      // CPUs work was posted to, not guessed
};

// Runs `explore()`, which builds its Machine from `cfg`, until it ends without proving a guess
// wrong; each guess it proves wrong is dropped from `cfg` (and noted in `wrong`) first. Every
// retry drops one guess, so this ends; a dropped guess thrown again is a bug (std::logic_error).
template <class Explore>
auto explore_checking_guesses(MachineConfig& cfg, WrongGuesses& wrong, Explore explore) -> decltype(explore()) {
  for (;;) {
    try {
      return explore();
    } catch (const NotInterruptFree& n) {
      if (!cfg.interrupt_free[n.cpu]) throw std::logic_error("explore: a dropped guess came back (interrupt-free)");
      cfg.interrupt_free[n.cpu] = false;
      wrong.interrupted.push_back(n.cpu);
    } catch (const NotDeferralTarget& n) {
      if (cfg.deferral_targets[n.cpu]) throw std::logic_error("explore: a dropped guess came back (deferral target)");
      cfg.deferral_targets[n.cpu] = true;
      wrong.targets.push_back(n.cpu);
    } catch (const NotPrivate& n) {
      if (cfg.owner[n.addr] < 0) throw std::logic_error("explore: a dropped guess came back (private word)");
      cfg.owner[n.addr] = -1;
      wrong.shared.push_back(n);
    } catch (const Racy& r) {
      if (!cfg.race_free[r.folded.func][r.folded.pc]) throw std::logic_error("explore: a dropped guess came back (race-free)");
      cfg.race_free[r.folded.func][r.folded.pc] = false;
      wrong.racing.push_back(r);
    }
  }
}

}  // namespace explore
