// The pictures (issue 15 item 4): `isolsim run --svg` and a sweep's sweep.svg, rendered by
// headless Chromium (Debian's `chromium`, installed by tools/setup.sh) to PNG and read back with
// libpng: the image is not blank and shows what it should where it should (the CPU lanes, the
// IPI arrows, the strips with their violations, clear values and window edges).
#include <gtest/gtest.h>
#include <png.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <vector>

#include "isolsim_cli.h"

namespace fs = std::filesystem;

namespace {

const std::string kRace = std::string(ISOLSIM_SOURCE_DIR) + "/scenarios/ct_seq_work_race.json";

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

struct Rgb {
  int r, g, b;
};

struct Image {
  int width = 0, height = 0;
  std::vector<unsigned char> px;  // RGB
  Rgb at(int x, int y) const {
    const unsigned char* p = &px[3 * (static_cast<std::size_t>(y) * width + x)];
    return {p[0], p[1], p[2]};
  }
};

// The SVG's own size, from its root element.
std::pair<int, int> svg_size(const std::string& svg) {
  std::smatch m;
  if (!std::regex_search(svg, m, std::regex("<svg[^>]* width=\"([0-9.]+)\" height=\"([0-9.]+)\""))) return {0, 0};
  return {static_cast<int>(std::stod(m[1])), static_cast<int>(std::stod(m[2]))};
}

// Renders `svg` at its own size with headless Chromium and decodes the PNG.
Image render(const fs::path& svg) {
  const auto [w, h] = svg_size(slurp(svg));
  EXPECT_GT(w, 0);
  const fs::path png = fs::path(svg).replace_extension(".png");
  fs::remove(png);
  const std::string cmd = "chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 "
                          "--window-size=" + std::to_string(w) + "," + std::to_string(h) + " --screenshot=" + png.string() +
                          " file://" + fs::absolute(svg).string() + " >" + png.string() + ".log 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd << "\n" << slurp(png.string() + ".log");
  Image img;
  png_image pi{};
  pi.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&pi, png.c_str())) {
    ADD_FAILURE() << "no PNG from chromium: " << png << "\n" << slurp(png.string() + ".log");
    return img;
  }
  pi.format = PNG_FORMAT_RGB;
  img.width = static_cast<int>(pi.width);
  img.height = static_cast<int>(pi.height);
  img.px.resize(PNG_IMAGE_SIZE(pi));
  EXPECT_TRUE(png_image_finish_read(&pi, nullptr, img.px.data(), 0, nullptr));
  return img;
}

bool near(Rgb a, Rgb b, int tol = 12) {
  return std::abs(a.r - b.r) <= tol && std::abs(a.g - b.g) <= tol && std::abs(a.b - b.b) <= tol;
}
const Rgb kUser{0x4c, 0xaf, 0x50}, kKernel{0xf0, 0xa0, 0x30}, kIrq{0xd6, 0x45, 0x45}, kIdle{0xc8, 0xc8, 0xc8},
    kIpi{0x1f, 0x4e, 0x9e}, kClear{0x4c, 0xaf, 0x50};
bool band(Rgb c) { return near(c, kUser) || near(c, kKernel) || near(c, kIrq) || near(c, kIdle); }
bool reddish(Rgb c) { return c.r > 150 && c.g < 170 && c.b < 170 && c.r - c.g > 60; }

// Rows where more than `share` of the pixels between x0 and x1 satisfy `pred`, as runs
// [first, last] of consecutive rows.
template <class Pred>
std::vector<std::pair<int, int>> row_runs(const Image& img, int x0, int x1, double share, Pred pred) {
  std::vector<std::pair<int, int>> runs;
  for (int y = 0; y < img.height; ++y) {
    int n = 0;
    for (int x = x0; x < x1; ++x) n += pred(img.at(x, y));
    if (n > share * (x1 - x0)) {
      if (!runs.empty() && runs.back().second == y - 1) runs.back().second = y;
      else runs.push_back({y, y});
    }
  }
  return runs;
}

std::size_t count(const Image& img, bool (*pred)(Rgb)) {
  std::size_t n = 0;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) n += pred(img.at(x, y));
  return n;
}

}  // namespace

// The race's run: three CPUs, two IPIs (cpu1's CALL_FUNCTION fallback to cpu2, and to cpu0),
// deferred work. Each lane is a band 16 pixels high under the axis, one per CPU, and nothing else
// in the picture is a band.
TEST(Pictures, RunTimelineHasOneLanePerCpuAndTheIpis) {
  const fs::path dir = fs::temp_directory_path() / "isolsim_svg_run";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const CliResult r = isolsim("run " + kRace + " --log none --out " + (dir / "out").string() + " --svg " +
                              (dir / "run.svg").string());
  ASSERT_EQ(r.status, 0) << r.out;
  const Image img = render(dir / "run.svg");
  ASSERT_GT(img.width, 1000);
  // (a thin grey line, the axis, is no lane)
  std::vector<std::pair<int, int>> lanes = row_runs(img, 130, 1180, 0.5, band);
  lanes.erase(std::remove_if(lanes.begin(), lanes.end(), [](auto r) { return r.second - r.first < 8; }), lanes.end());
  std::string found;
  for (auto [a, b] : lanes) found += " " + std::to_string(a) + ".." + std::to_string(b);
  ASSERT_EQ(lanes.size(), 3u) << "lanes found:" << found;
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    const int top = 44 + 26 * static_cast<int>(i);  // SvgLayout: lanes_top + cpu * lane_pitch
    EXPECT_NEAR(lanes[i].first, top, 2) << "lane " << i;
    EXPECT_NEAR(lanes[i].second - lanes[i].first + 1, 16, 2) << "lane " << i;
  }
  // Not blank: each kind of band shows, and the IPI arrows.
  EXPECT_GT(count(img, [](Rgb c) { return near(c, kUser); }), 10000u);
  EXPECT_GT(count(img, [](Rgb c) { return near(c, kKernel); }), 100u);
  EXPECT_GT(count(img, [](Rgb c) { return near(c, kIrq); }), 50u);
  EXPECT_GT(count(img, [](Rgb c) { return near(c, kIpi, 30); }), 40u);

  // Same run, same bytes; a window of it shows the same lanes.
  ASSERT_EQ(isolsim("run " + kRace + " --log none --out " + (dir / "out2").string() + " --svg " +
                    (dir / "again.svg").string()).status, 0);
  EXPECT_EQ(slurp(dir / "run.svg"), slurp(dir / "again.svg"));
  ASSERT_EQ(isolsim("run " + kRace + " --log none --out " + (dir / "out3").string() + " --svg " +
                    (dir / "window.svg").string() + " --svg-window 3500:6500").status, 0);
  const std::string window = slurp(dir / "window.svg");
  EXPECT_NE(window.find("cycles 3500..6500"), std::string::npos);
  std::size_t window_lanes = 0;
  for (auto [a, b] : row_runs(render(dir / "window.svg"), 130, 1180, 0.5, band)) window_lanes += b - a >= 8;
  EXPECT_EQ(window_lanes, 3u);
}

TEST(Pictures, BadSvgWindowIsOneLineBeforeTheRun) {
  const fs::path dir = fs::temp_directory_path() / "isolsim_svg_bad";
  fs::remove_all(dir);
  for (const char* w : {"5:5", "9:3", "x:3", "3", "-1:4", "1:2:3"}) {
    const CliResult r = isolsim("run " + kRace + " --log none --out " + dir.string() + " --svg " + (dir / "w.svg").string() +
                                " --svg-window " + w);
    EXPECT_EQ(r.status, 2) << w << ": " << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
    EXPECT_NE(r.out.find("--svg-window"), std::string::npos) << r.out;
  }
}

// cpu2's start cycle over the race's window: the double execution's strip is red inside the
// window and green outside, with the window's edges drawn as dark lines across it.
TEST(Pictures, SweepStripShowsTheWindowAndItsEdges) {
  const fs::path dir = fs::temp_directory_path() / "isolsim_svg_sweep";
  fs::remove_all(dir);
  const CliResult r = isolsim("sweep " + kRace + " --vary workload.2.0.until=4244:4794:25 --jobs 2 --out " + dir.string());
  ASSERT_EQ(r.status, 1) << r.out;
  const nlohmann::json summary = nlohmann::json::parse(slurp(dir / "sweep.json"));
  std::size_t shown = 0;
  for (const auto& c : summary["conditions"]) shown += c["runs"].get<int>() > 0;
  ASSERT_GE(shown, 1u);
  const Image img = render(dir / "sweep.svg");
  ASSERT_GT(img.width, 900);
  // SweepSvgLayout: strips from x 230 to 970, 24 high, the first at top 50 + row_gap 30
  const auto strips = row_runs(img, 230, 970, 0.7, [](Rgb c) { return near(c, kClear) || reddish(c); });
  ASSERT_EQ(strips.size(), shown);
  EXPECT_NEAR(strips[0].first, 80, 2);
  EXPECT_NEAR(strips[0].second - strips[0].first + 1, 24, 2);
  // The double execution's strip (the first condition): red inside 4304..4733, green at 4244.
  const int y = (strips[0].first + strips[0].second) / 2;
  const auto x_of = [](double v) { return 230 + 740 * (v - 4231.5) / (4806.5 - 4231.5); };
  EXPECT_TRUE(near(img.at(static_cast<int>(x_of(4244)), y), kClear)) << "4244 should be clear";
  EXPECT_TRUE(reddish(img.at(static_cast<int>(x_of(4444)), y))) << "4444 should be red";
  EXPECT_TRUE(reddish(img.at(static_cast<int>(x_of(4719)), y))) << "4719 should be red";
  EXPECT_TRUE(near(img.at(static_cast<int>(x_of(4769)), y), kClear)) << "4769 should be clear";
  int dark_columns = 0;
  for (int x = 230; x < 970; ++x) {
    const Rgb c = img.at(x, strips[0].first - 2);  // edge lines reach above the strip
    dark_columns += c.r < 90 && c.g < 90 && c.b < 90;
  }
  EXPECT_GE(dark_columns, 2);
}
