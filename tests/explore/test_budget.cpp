// The budget the explorer's phases share: a deadline and a limit on the resident set, named when
// reached; the random walks and the search stop at it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sim/explore/budget.h"

namespace {

constexpr std::uint64_t kMB = 1024 * 1024;

TEST(Budget, TheTimeBoundIsReachedAndNamed) {
  explore::Budget b(0.05, 1'000'000);
  EXPECT_FALSE(b.exhausted());
  EXPECT_EQ(b.bound(), "");
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_TRUE(b.exhausted());
  EXPECT_EQ(b.bound(), "time bound (0.05 s) reached");
  EXPECT_TRUE(b.exhausted());  // and stays so
}

// The limit is on the process's resident set: memory allocated and touched anywhere counts.
TEST(Budget, TheMemoryBoundIsTheResidentSet) {
  const std::uint64_t before = explore::resident_bytes();
  ASSERT_GT(before, 0u);
  const std::uint64_t limit_mb = before / kMB + 64;
  explore::Budget b(60, limit_mb);
  EXPECT_FALSE(b.exhausted());
  std::unique_ptr<char[]> block(new char[128 * kMB]);
  std::memset(block.get(), 1, 128 * kMB);
  EXPECT_GE(explore::resident_bytes(), before + 100 * kMB);
  std::this_thread::sleep_for(explore::Budget::kSample + std::chrono::milliseconds(1));
  EXPECT_TRUE(b.exhausted());
  EXPECT_EQ(b.bound(), "memory bound (" + std::to_string(limit_mb) + " MB) reached");
}

// Polled per state and per walk step: a million polls must cost far less than a second.
TEST(Budget, PollingIsCheap) {
  explore::Budget b(60, 1'000'000);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 1'000'000; ++i) ASSERT_FALSE(b.exhausted());
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 0.5);
}

TEST(Budget, AShareEndsSoonerAndLeavesTheRest) {
  explore::Budget whole(60, 1000);
  explore::Budget part = whole.share(0.001, 0.5);  // 60 ms
  EXPECT_EQ(part.max_memory_mb(), 500u);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_TRUE(part.exhausted());
  EXPECT_FALSE(whole.exhausted());
}

TEST(Budget, DefaultMemoryBoundIsHalfTheRamAtMost12000Mb) {
  const std::uint64_t mb = explore::default_max_memory_mb();
  EXPECT_GE(mb, 1u);
  EXPECT_LE(mb, 12'000u);
  const std::uint64_t ram_mb = static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE) / kMB;
  EXPECT_LE(mb, ram_mb / 2 + 1);
}

TEST(Budget, SecondsAsWritten) {
  EXPECT_EQ(explore::seconds_text(2), "2");
  EXPECT_EQ(explore::seconds_text(0.5), "0.5");
  EXPECT_EQ(explore::seconds_text(1200), "1200");
}

}  // namespace
