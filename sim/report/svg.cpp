#include "sim/report/svg.h"
#include "sim/report/xml_escape.h"

#include <cmath>
#include <cstdio>

namespace report {

Svg::Svg(double width, double height, std::string_view title) : width_(width), height_(height), title_(title) {}

std::string Svg::num(double v) {
  if (!std::isfinite(v)) v = 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string s = buf;
  if (s == "-0.0") s = "0.0";
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s;
}

std::string Svg::escape(std::string_view s) { return xml_escape(s); }

double Svg::tick_step(double range, int ticks) {
  if (!(range > 0)) return 1;
  const double raw = range / ticks;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

void Svg::close(std::string_view tag, std::string_view tip) {
  if (tip.empty()) body_ += "/>\n";
  else body_ += ">" + ("<title>" + escape(tip) + "</title></" + std::string(tag) + ">\n");
}

void Svg::rect(double x, double y, double w, double h, std::string_view fill, std::string_view tip,
               std::string_view stroke) {
  body_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" + num(h) +
           "\" fill=\"" + std::string(fill) + "\"";
  if (stroke != "none") body_ += " stroke=\"" + std::string(stroke) + "\"";
  close("rect", tip);
}

void Svg::line(double x1, double y1, double x2, double y2, std::string_view stroke, double width,
               std::string_view dash, bool arrow, std::string_view tip) {
  body_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) +
           "\" stroke=\"" + std::string(stroke) + "\" stroke-width=\"" + num(width) + "\"";
  if (!dash.empty()) body_ += " stroke-dasharray=\"" + std::string(dash) + "\"";
  if (arrow) {
    body_ += " marker-end=\"url(#arrow)\"";
    arrows_ = true;
  }
  close("line", tip);
}

void Svg::text(double x, double y, std::string_view s, double size, std::string_view anchor, std::string_view fill) {
  body_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(size) + "\"";
  if (anchor != "start") body_ += " text-anchor=\"" + std::string(anchor) + "\"";
  if (fill != "#222") body_ += " fill=\"" + std::string(fill) + "\"";
  body_ += ">" + escape(s) + "</text>\n";
}

void Svg::diamond(double x, double y, double r, std::string_view colour, bool hollow, std::string_view tip) {
  body_ += "<polygon points=\"" + num(x) + "," + num(y - r) + " " + num(x + r) + "," + num(y) + " " + num(x) + "," +
           num(y + r) + " " + num(x - r) + "," + num(y) + "\" ";
  body_ += hollow ? "fill=\"white\" stroke=\"" + std::string(colour) + "\" stroke-width=\"1.5\""
                  : "fill=\"" + std::string(colour) + "\" stroke=\"none\"";
  close("polygon", tip);
}

std::string Svg::str() const {
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + num(width_) + "\" height=\"" +
       num(height_) + "\" viewBox=\"0 0 " + num(width_) + " " + num(height_) +
       "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n";
  s += "<title>" + escape(title_) + "</title>\n";
  if (arrows_)
    s += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
         "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#1f4e9e\"/>"
         "</marker></defs>\n";
  s += "<rect x=\"0\" y=\"0\" width=\"" + num(width_) + "\" height=\"" + num(height_) + "\" fill=\"white\"/>\n";
  s += body_;
  s += "</svg>\n";
  return s;
}

}  // namespace report
