// A small SVG 1.1 document builder for isolsim's pictures (a run's timeline, a sweep's strip or
// heat map): shapes with fixed-precision coordinates and escaped text, so that equal input gives
// byte-identical files.
#pragma once

#include <string>
#include <string_view>

namespace report {

class Svg {
 public:
  Svg(double width, double height, std::string_view title);
  // `fill`/`stroke` are SVG colours ("#2a9d4b", "none"); `tip` becomes a <title> (hover text).
  void rect(double x, double y, double w, double h, std::string_view fill, std::string_view tip = {},
            std::string_view stroke = "none");
  void line(double x1, double y1, double x2, double y2, std::string_view stroke, double width = 1,
            std::string_view dash = {}, bool arrow = false, std::string_view tip = {});
  // anchor: "start", "middle" or "end".
  void text(double x, double y, std::string_view s, double size = 11, std::string_view anchor = "start",
            std::string_view fill = "#222");
  // A filled diamond (`hollow`: outlined) centred on (x, y).
  void diamond(double x, double y, double r, std::string_view colour, bool hollow, std::string_view tip = {});
  std::string str() const;

  static std::string num(double v);  // one decimal, "-0" never printed
  static std::string escape(std::string_view s);
  // An axis' tick step: 1, 2 or 5 x 10^k, the smallest giving at most about `ticks` ticks over `range`.
  static double tick_step(double range, int ticks);

 private:
  void close(std::string_view tag, std::string_view tip);  // "/>" or ">(tip)</tag>"

  double width_, height_;
  std::string title_, body_;
  bool arrows_ = false;  // an arrow head marker is used: define it
};

}  // namespace report
