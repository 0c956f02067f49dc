// The SCXML front-end: pugixml DOM in, ChartSource out, then the shared
// compiler. The document is parsed in place in a private buffer so that every
// element and attribute name points at its own position in the source, which
// gives exact line:column for every message. Each element and attribute is
// either understood exactly or rejected; nothing is skipped.
#include "chart/scxml_loader.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <iterator>
#include <limits>
#include <pugixml.hpp>
#include <sstream>
#include <utility>

#include "chart/chart_error.hpp"

namespace lit::tools {

namespace {

using chart::SourceLocation;
using chart::SpecAction;
using chart::SpecState;
using chart::SpecStateKind;
using chart::SpecTransition;
using chart::SpecTransitionRole;
using chart::StateIndex;

constexpr std::string_view kScxmlNamespace = "http://www.w3.org/2005/07/scxml";
constexpr std::string_view kScxmlEventProcessor = "http://www.w3.org/TR/scxml/#SCXMLEventProcessor";

bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_xml_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_xml_space(text.back())) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split_tokens(std::string_view text) {
  std::vector<std::string_view> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_xml_space(text[i])) ++i;
    const std::size_t begin = i;
    while (i < text.size() && !is_xml_space(text[i])) ++i;
    if (i > begin) tokens.push_back(text.substr(begin, i - begin));
  }
  return tokens;
}

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// SCXML elements that only make sense with a data model.
bool needs_data_model(std::string_view name) {
  return one_of(name, {"datamodel", "data", "assign", "script", "if", "elseif", "else", "foreach"});
}

// Other SCXML elements lit-chart does not implement.
bool unsupported_element(std::string_view name) {
  return one_of(name, {"invoke", "cancel", "donedata", "finalize", "param", "content"});
}

bool is_scxml_element(std::string_view name) {
  return needs_data_model(name) || unsupported_element(name) ||
         one_of(name,
                {"scxml",
                 "state",
                 "parallel",
                 "final",
                 "history",
                 "initial",
                 "transition",
                 "onentry",
                 "onexit",
                 "raise",
                 "send",
                 "log"});
}

// State ids are XML names (xsd:ID): a letter or '_' first, then letters,
// digits, '_', '-' and '.'; bytes of non-ASCII characters are let through.
bool valid_id(std::string_view id) {
  if (id.empty()) return false;
  const auto letter = [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
  };
  if (!letter(static_cast<unsigned char>(id.front()))) return false;
  return std::all_of(id.begin(), id.end(), [&](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return letter(byte) || (byte >= '0' && byte <= '9') || byte == '-' || byte == '.';
  });
}

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }
std::string element(std::string_view name) { return "<" + std::string(name) + ">"; }

// CSS2 time, as SCXML's delay uses it: "500ms", "2s", "1.5s". The result must
// be a whole number of milliseconds; anything else is refused, not rounded.
bool parse_delay(std::string_view text, std::uint32_t& delay_ms) {
  text = trim(text);
  std::uint64_t scale = 0;
  if (text.size() > 2 && text.substr(text.size() - 2) == "ms") {
    scale = 1;
    text.remove_suffix(2);
  } else if (text.size() > 1 && text.back() == 's') {
    scale = 1000;
    text.remove_suffix(1);
  } else {
    return false;
  }
  const std::size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() && fraction.empty()) return false;
  const auto digits = [](std::string_view part) {
    return std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(whole) || !digits(fraction) || (dot != std::string_view::npos && fraction.empty() && whole.empty()))
    return false;
  std::uint64_t value = 0;
  for (char c : whole) {
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (value > std::numeric_limits<std::uint32_t>::max()) return false;
  }
  value *= scale;
  // Fraction digits beyond the millisecond must all be zero.
  std::uint64_t place = scale;
  for (char c : fraction) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    place /= 10;
    if (place == 0) {
      if (digit != 0) return false;
      continue;
    }
    value += digit * place;
  }
  if (value > std::numeric_limits<std::uint32_t>::max()) return false;
  delay_ms = static_cast<std::uint32_t>(value);
  return true;
}

// The only conditions that need no data model: In('id') and !In('id').
bool parse_in_condition(std::string_view text, bool& negated, std::string_view& state) {
  text = trim(text);
  negated = !text.empty() && text.front() == '!';
  if (negated) text = trim(text.substr(1));
  if (text.substr(0, 2) != "In") return false;
  text = trim(text.substr(2));
  if (text.empty() || text.front() != '(' || text.back() != ')') return false;
  text = trim(text.substr(1, text.size() - 2));
  if (text.size() < 3 || (text.front() != '\'' && text.front() != '"') || text.back() != text.front()) return false;
  state = text.substr(1, text.size() - 2);
  return !state.empty() && state.find_first_of("'\"\\") == std::string_view::npos && trim(state) == state;
}

// A log expr that is a plain string literal: 'text' or "text", no escapes.
bool parse_literal(std::string_view text, std::string_view& literal) {
  text = trim(text);
  if (text.size() < 2 || (text.front() != '\'' && text.front() != '"') || text.back() != text.front()) return false;
  literal = text.substr(1, text.size() - 2);
  return literal.find(text.front()) == std::string_view::npos && literal.find('\\') == std::string_view::npos;
}

struct ActionDraft {
  SpecAction action;
  std::string what;  // "<raise>", for messages
};

class ScxmlReader {
 public:
  ScxmlReader(std::string_view text, std::string file_name)
      : text_(text), buffer_(text.begin(), text.end()), file_(std::move(file_name)) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text_.size(); ++i) {
      if (text_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  LoadedChart read(std::string_view default_chart_name) {
    const pugi::xml_node root = parse();
    read_root(root, default_chart_name);
    CompiledChart compiled = compile_chart(std::move(source_));
    if (!compiled.result.ok()) report(compiled.result, compiled.subject);
    return std::move(*compiled.chart);
  }

 private:
  // ---- positions and errors -------------------------------------------------------

  SourceLocation locate(std::size_t offset) const {
    offset = std::min(offset, text_.size());
    const auto next_line = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const auto line = static_cast<std::size_t>(next_line - line_starts_.begin());
    std::size_t from = line_starts_[line - 1];
    std::uint32_t column = 1;
    // Lookups mostly move forward through the document: continue from the
    // last one on the same line, so a long one-line document is not quadratic.
    if (last_located_.line == line && last_located_.offset <= offset) {
      from = last_located_.offset;
      column = last_located_.column;
    }
    for (std::size_t i = from; i < offset; ++i) {
      if ((static_cast<unsigned char>(text_[i]) & 0xC0U) != 0x80U) ++column;  // count characters, not UTF-8 bytes
    }
    last_located_ = {line, offset, column};
    return SourceLocation{static_cast<std::uint32_t>(line), column};
  }

  bool in_buffer(const char* pointer) const {
    return pointer >= buffer_.data() && pointer < buffer_.data() + buffer_.size();
  }

  std::size_t offset_of(const char* pointer) const { return static_cast<std::size_t>(pointer - buffer_.data()); }

  // An element is located at its '<'.
  SourceLocation at(pugi::xml_node node) const {
    const char* name = node.type() == pugi::node_element ? node.name() : node.value();
    if (!in_buffer(name)) return {};
    const std::size_t offset = offset_of(name);
    return locate(node.type() == pugi::node_element && offset > 0 ? offset - 1 : offset);
  }

  SourceLocation at(pugi::xml_attribute attribute) const {
    return in_buffer(attribute.name()) ? locate(offset_of(attribute.name())) : SourceLocation{};
  }

  [[noreturn]] void fail(ChartErrorKind kind, SourceLocation where, const std::string& message) const {
    throw ChartError(kind, file_, where.line, where.column, message);
  }

  // ---- document -----------------------------------------------------------------

  pugi::xml_node parse() {
    constexpr unsigned options = pugi::parse_default | pugi::parse_declaration | pugi::parse_doctype;
    const pugi::xml_parse_result result =
        document_.load_buffer_inplace(buffer_.data(), buffer_.size(), options, pugi::encoding_utf8);
    if (!result) {
      std::string description = result.description();
      if (!description.empty())
        description.front() = static_cast<char>(std::tolower(static_cast<unsigned char>(description.front())));
      fail(ChartErrorKind::malformed, locate(static_cast<std::size_t>(result.offset)), "malformed XML: " + description);
    }
    pugi::xml_node root;
    for (const pugi::xml_node node : document_.children()) {
      switch (node.type()) {
        case pugi::node_declaration: {
          const std::string_view encoding = node.attribute("encoding").value();
          if (!encoding.empty() && encoding != "UTF-8" && encoding != "utf-8") {
            fail(ChartErrorKind::unsupported,
                 at(node.attribute("encoding")),
                 "encoding " + in_quotes(encoding) + " is not supported; save the chart as UTF-8");
          }
          break;
        }
        case pugi::node_doctype: fail(ChartErrorKind::unsupported, at(node), "DOCTYPE declarations are not supported");
        case pugi::node_element:
          if (root) fail(ChartErrorKind::malformed, at(node), "malformed XML: more than one document element");
          root = node;
          break;
        case pugi::node_pcdata:
        case pugi::node_cdata:
          fail(ChartErrorKind::malformed, at(node), "malformed XML: text outside the document element");
        default: break;
      }
    }
    if (!root) fail(ChartErrorKind::malformed, locate(text_.size()), "malformed XML: no document element");
    if (std::string_view(root.name()) != "scxml") {
      fail(ChartErrorKind::invalid, at(root), "the document element is " + element(root.name()) + ", expected <scxml>");
    }
    return root;
  }

  // Values with entity references that XML does not predefine are refused:
  // pugixml would keep "&name;" verbatim, which is not what the author meant.
  void check_references(pugi::xml_attribute attribute) const {
    const char* value = attribute.value();
    if (!in_buffer(value)) return;
    const std::size_t begin = offset_of(value);
    if (begin == 0) return;
    const char quote = text_[begin - 1];
    for (std::size_t i = begin; i < text_.size() && text_[i] != quote; ++i) {
      if (text_[i] != '&') continue;
      const std::size_t end = text_.find(';', i);
      const std::string_view reference =
          end == std::string_view::npos ? text_.substr(i, 1) : text_.substr(i, end - i + 1);
      const bool predefined = one_of(reference, {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"}) ||
                              (reference.size() > 3 && reference[1] == '#');
      if (!predefined) {
        fail(ChartErrorKind::malformed, locate(i), "malformed XML: unknown entity reference " + in_quotes(reference));
      }
    }
  }

  // Every attribute of `node` must be in `allowed`; namespace declarations for
  // SCXML pass anywhere. Duplicates are refused, as XML requires.
  void check_attributes(pugi::xml_node node, std::initializer_list<std::string_view> allowed) const {
    const std::string_view tag = node.name();
    for (const pugi::xml_attribute attribute : node.attributes()) {
      const std::string_view name = attribute.name();
      for (pugi::xml_attribute earlier = node.first_attribute(); earlier != attribute;
           earlier = earlier.next_attribute()) {
        if (name == earlier.name())
          fail(ChartErrorKind::malformed, at(attribute), "malformed XML: duplicate attribute " + in_quotes(name));
      }
      check_references(attribute);
      if (name == "xmlns") {
        if (attribute.value() != kScxmlNamespace) {
          fail(ChartErrorKind::unsupported,
               at(attribute),
               "namespace " + in_quotes(attribute.value()) + " is not SCXML's (" + std::string(kScxmlNamespace) + ")");
        }
        continue;
      }
      if (name.substr(0, 6) == "xmlns:") continue;
      if (one_of(name, allowed)) continue;
      const bool expression = name.size() >= 4 && name.substr(name.size() - 4) == "expr";
      if (expression || one_of(name, {"idlocation", "namelist", "location"})) {
        fail(ChartErrorKind::unsupported,
             at(attribute),
             "attribute " + in_quotes(name) + " on " + element(tag) +
                 " needs a data model, which lit-chart does not support");
      }
      const bool known = tag == "send" && one_of(name, {"id"});
      fail(ChartErrorKind::unsupported,
           at(attribute),
           std::string(known ? "unsupported" : "unknown") + " attribute " + in_quotes(name) + " on " + element(tag));
    }
  }

  // The reason `child` cannot stand inside `parent`.
  [[noreturn]] void reject(pugi::xml_node child, pugi::xml_node parent) const {
    const std::string_view name = child.name();
    if (child.type() != pugi::node_element) {
      fail(ChartErrorKind::unsupported, at(child), "unexpected text in " + element(parent.name()));
    }
    if (needs_data_model(name)) {
      fail(ChartErrorKind::unsupported,
           at(child),
           element(name) + " needs a data model, which lit-chart does not support");
    }
    if (unsupported_element(name))
      fail(ChartErrorKind::unsupported, at(child), element(name) + " is not supported by lit-chart");
    if (is_scxml_element(name)) {
      fail(ChartErrorKind::invalid, at(child), element(name) + " is not allowed in " + element(parent.name()));
    }
    fail(ChartErrorKind::unsupported, at(child), "unknown element " + element(name));
  }

  // A child that matters: an element, or text (which no supported element takes).
  static bool significant(pugi::xml_node node) {
    return node.type() == pugi::node_element || node.type() == pugi::node_pcdata || node.type() == pugi::node_cdata;
  }

  std::string_view keep(std::string_view text) { return source_.keep(std::string(text)); }

  std::span<const std::string_view> keep_tokens(std::string_view text) {
    std::vector<std::string_view> kept;
    for (const std::string_view token : split_tokens(text)) kept.push_back(keep(token));
    return source_.keep(std::move(kept));
  }

  std::span<const std::string_view> keep_one(std::string_view name) {
    return source_.keep(std::vector<std::string_view>{keep(name)});
  }

  std::span<const std::string_view> targets_of(pugi::xml_attribute attribute, std::string_view what) {
    if (split_tokens(attribute.value()).empty())
      fail(ChartErrorKind::invalid, at(attribute), "empty " + std::string(what) + " attribute");
    return keep_tokens(attribute.value());
  }

  // ---- states -------------------------------------------------------------------

  void read_root(pugi::xml_node root, std::string_view default_chart_name) {
    check_attributes(root, {"version", "initial", "name", "datamodel", "binding"});
    chart_location_ = at(root);
    if (const auto version = root.attribute("version"); version && trim(version.value()) != "1.0") {
      fail(ChartErrorKind::unsupported,
           at(version),
           "SCXML version " + in_quotes(version.value()) + " is not supported (expected '1.0')");
    }
    if (const auto binding = root.attribute("binding"); binding && !one_of(trim(binding.value()), {"early", "late"})) {
      fail(ChartErrorKind::invalid, at(binding), "binding must be 'early' or 'late'");
    }
    const std::string_view name = trim(root.attribute("name").value());
    source_.name = keep(name.empty() ? default_chart_name : name);
    std::string_view first_child;
    for (const pugi::xml_node child : root.children()) {
      if (!significant(child)) continue;
      const std::string_view tag = child.name();
      if (child.type() != pugi::node_element || !one_of(tag, {"state", "parallel", "final"})) reject(child, root);
      const StateIndex index = read_state(child, chart::kRoot);
      if (first_child.empty()) first_child = source_.states[index].name;
    }
    if (const auto initial = root.attribute("initial")) {
      source_.initial =
          add_initial(chart::kRoot, targets_of(initial, "initial"), at(initial), "the initial attribute of <scxml>");
    } else if (!first_child.empty()) {
      source_.initial =
          add_initial(chart::kRoot, keep_one(first_child), chart_location_, "the default initial state of <scxml>");
    }
  }

  std::uint16_t add_initial(StateIndex source,
                            std::span<const std::string_view> targets,
                            SourceLocation where,
                            std::string what) {
    SpecTransition transition{};
    transition.source = source;
    transition.role = SpecTransitionRole::initial;
    transition.targets = targets;
    transition.location = where;
    return add_transition(transition, {}, std::move(what));
  }

  std::uint16_t add_transition(SpecTransition transition, std::vector<ActionDraft> actions, std::string what) {
    transition.action_begin = append(std::move(actions), transition.action_count);
    const auto index = static_cast<std::uint16_t>(source_.transitions.size());
    source_.transitions.push_back(transition);
    transition_what_.push_back(std::move(what));
    return index;
  }

  std::uint16_t append(std::vector<ActionDraft> actions, std::uint16_t& count) {
    const auto begin = static_cast<std::uint16_t>(source_.actions.size());
    for (ActionDraft& draft : actions) {
      source_.actions.push_back(draft.action);
      action_what_.push_back(std::move(draft.what));
    }
    count = static_cast<std::uint16_t>(actions.size());
    return begin;
  }

  std::string_view state_id(pugi::xml_node node) {
    const pugi::xml_attribute id = node.attribute("id");
    if (!id) {
      // SCXML lets ids be omitted and has the processor make one up.
      const SourceLocation where = at(node);
      return keep("_" + std::string(node.name()) + "_" + std::to_string(where.line) + "_" +
                  std::to_string(where.column));
    }
    const std::string_view value = trim(id.value());
    if (!valid_id(value)) {
      fail(ChartErrorKind::invalid,
           at(id),
           "invalid state id " + in_quotes(id.value()) +
               ": ids are XML names (a letter or '_', then letters, digits, '_', '-', '.')");
    }
    return keep(value);
  }

  // State indices are bytes: stop at the compiler's limit before they wrap.
  StateIndex add_state(const SpecState& state, std::string what) {
    if (source_.states.size() >= chart::kMaxStates) {
      fail(ChartErrorKind::invalid,
           state.location,
           "too many states: " + std::string(chart::describe(chart::CompileError::too_many_states)));
    }
    const auto index = static_cast<StateIndex>(source_.states.size());
    source_.states.push_back(state);
    state_what_.push_back(std::move(what));
    return index;
  }

  StateIndex read_state(pugi::xml_node node, StateIndex parent) {
    const std::string_view tag = node.name();
    if (tag == "history") return read_history(node, parent);
    SpecStateKind kind = SpecStateKind::state;
    if (tag == "state") {
      check_attributes(node, {"id", "initial"});
    } else if (tag == "parallel") {
      kind = SpecStateKind::parallel;
      check_attributes(node, {"id"});
    } else {
      kind = SpecStateKind::final;
      check_attributes(node, {"id"});
    }
    SpecState state{};
    state.name = state_id(node);
    state.kind = kind;
    state.parent = parent;
    state.location = at(node);
    const StateIndex index = add_state(state, element(tag));

    std::vector<ActionDraft> entry;
    std::vector<ActionDraft> exit;
    std::string_view first_child;
    pugi::xml_node initial_element;
    for (const pugi::xml_node child : node.children()) {
      if (!significant(child)) continue;
      const std::string_view name = child.name();
      if (child.type() != pugi::node_element) reject(child, node);
      if (name == "onentry" || name == "onexit") {
        check_attributes(child, {});
        read_executable(child, name == "onentry" ? entry : exit);
      } else if (name == "transition" && kind != SpecStateKind::final) {
        read_transition(child, index);
      } else if (name == "initial" && kind == SpecStateKind::state) {
        if (initial_element) fail(ChartErrorKind::invalid, at(child), "more than one <initial> in " + element(tag));
        initial_element = child;
      } else if ((name == "state" || name == "parallel" || name == "history" ||
                  (name == "final" && kind == SpecStateKind::state)) &&
                 kind != SpecStateKind::final) {
        const StateIndex child_index = read_state(child, index);
        if (first_child.empty() && name != "history") first_child = source_.states[child_index].name;
      } else {
        reject(child, node);
      }
    }
    SpecState& row = source_.states[index];  // append() grows the actions, never the states
    row.entry_begin = append(std::move(entry), row.entry_count);
    row.exit_begin = append(std::move(exit), row.exit_count);

    const pugi::xml_attribute initial_attribute = node.attribute("initial");
    if (initial_attribute && initial_element) {
      fail(ChartErrorKind::invalid,
           at(initial_element),
           "<state> has both an initial attribute and an <initial> element");
    }
    std::uint16_t initial = chart::kNone;
    if (initial_attribute) {
      initial = add_initial(
          index, targets_of(initial_attribute, "initial"), at(initial_attribute), "the initial attribute of <state>");
    } else if (initial_element) {
      initial = read_pseudo_transition(initial_element, index, SpecTransitionRole::initial);
    } else if (!first_child.empty() && kind == SpecStateKind::state) {
      initial = add_initial(index, keep_one(first_child), at(node), "the default initial state of <state>");
    }
    source_.states[index].initial = initial;
    return index;
  }

  StateIndex read_history(pugi::xml_node node, StateIndex parent) {
    check_attributes(node, {"id", "type"});
    SpecState state{};
    state.name = state_id(node);
    state.kind = SpecStateKind::shallow_history;
    state.parent = parent;
    state.location = at(node);
    if (const auto type = node.attribute("type")) {
      const std::string_view value = trim(type.value());
      if (value == "deep") {
        state.kind = SpecStateKind::deep_history;
      } else if (value != "shallow") {
        fail(ChartErrorKind::invalid,
             at(type),
             "history type must be 'shallow' or 'deep', not " + in_quotes(type.value()));
      }
    }
    const StateIndex index = add_state(state, "<history>");
    source_.states[index].initial = read_pseudo_transition(node, index, SpecTransitionRole::history_default);
    return index;
  }

  // The one <transition> inside <initial> or <history>: a target and actions, nothing else.
  std::uint16_t read_pseudo_transition(pugi::xml_node node, StateIndex owner, SpecTransitionRole role) {
    if (role == SpecTransitionRole::initial) check_attributes(node, {});
    pugi::xml_node transition;
    for (const pugi::xml_node child : node.children()) {
      if (!significant(child)) continue;
      if (child.type() != pugi::node_element || std::string_view(child.name()) != "transition") reject(child, node);
      if (transition)
        fail(ChartErrorKind::invalid, at(child), element(node.name()) + " takes exactly one <transition>");
      transition = child;
    }
    const std::string owner_tag = element(node.name());
    if (!transition) {
      if (role == SpecTransitionRole::history_default) return chart::kNone;  // the compiler names the missing default
      fail(ChartErrorKind::invalid, at(node), "<initial> needs a <transition> with a target");
    }
    for (const pugi::xml_attribute attribute : transition.attributes()) {
      const std::string_view name = attribute.name();
      if (one_of(name, {"event", "cond", "type"})) {
        fail(ChartErrorKind::invalid,
             at(attribute),
             "the <transition> of " + owner_tag + " takes no " + in_quotes(name) + " attribute");
      }
    }
    check_attributes(transition, {"target"});
    const pugi::xml_attribute target = transition.attribute("target");
    if (!target) fail(ChartErrorKind::invalid, at(transition), "the <transition> of " + owner_tag + " needs a target");
    SpecTransition spec{};
    spec.source = owner;
    spec.role = role;
    spec.targets = targets_of(target, "target");
    spec.location = at(transition);
    std::vector<ActionDraft> actions;
    read_executable(transition, actions);
    return add_transition(spec, std::move(actions), "the <transition> of " + owner_tag);
  }

  void read_transition(pugi::xml_node node, StateIndex source) {
    check_attributes(node, {"event", "cond", "target", "type"});
    SpecTransition spec{};
    spec.source = source;
    spec.location = at(node);
    spec.role = SpecTransitionRole::eventless;
    if (const auto event = node.attribute("event")) {
      if (split_tokens(event.value()).empty()) fail(ChartErrorKind::invalid, at(event), "empty event attribute");
      spec.role = SpecTransitionRole::on_event;
      spec.events = keep_tokens(event.value());
    }
    if (const auto target = node.attribute("target")) spec.targets = targets_of(target, "target");
    if (const auto type = node.attribute("type")) {
      const std::string_view value = trim(type.value());
      if (value != "internal" && value != "external") {
        fail(ChartErrorKind::invalid,
             at(type),
             "transition type must be 'internal' or 'external', not " + in_quotes(type.value()));
      }
      spec.internal = value == "internal";
    }
    if (const auto cond = node.attribute("cond")) {
      bool negated = false;
      std::string_view state;
      if (!parse_in_condition(cond.value(), negated, state)) {
        fail(ChartErrorKind::unsupported,
             at(cond),
             "unsupported cond " + in_quotes(cond.value()) +
                 ": without a data model only In('id') and !In('id') are supported");
      }
      spec.guard_kind = negated ? chart::GuardKind::not_in_state : chart::GuardKind::in_state;
      spec.guard_state = keep(state);
    }
    std::vector<ActionDraft> actions;
    read_executable(node, actions);
    add_transition(spec, std::move(actions), "<transition>");
  }

  // ---- executable content -------------------------------------------------------

  void read_executable(pugi::xml_node container, std::vector<ActionDraft>& actions) {
    for (const pugi::xml_node child : container.children()) {
      if (!significant(child)) continue;
      const std::string_view name = child.name();
      if (child.type() != pugi::node_element) reject(child, container);
      for (const pugi::xml_node inner : child.children()) {
        if (significant(inner)) reject(inner, child);
      }
      if (name == "raise") {
        actions.push_back(read_raise(child));
      } else if (name == "send") {
        actions.push_back(read_send(child));
      } else if (name == "log") {
        actions.push_back(read_log(child));
      } else {
        reject(child, container);
      }
    }
  }

  std::string_view required(pugi::xml_node node, const char* attribute) {
    const pugi::xml_attribute value = node.attribute(attribute);
    if (!value)
      fail(ChartErrorKind::invalid,
           at(node),
           element(node.name()) + " needs the " + in_quotes(attribute) + " attribute");
    return keep(trim(value.value()));
  }

  ActionDraft read_raise(pugi::xml_node node) {
    check_attributes(node, {"event"});
    SpecAction action{};
    action.kind = chart::ActionKind::raise;
    action.event = required(node, "event");
    action.location = at(node);
    return {action, "<raise>"};
  }

  // <send> to the chart itself, after an optional delay. target="#_internal"
  // (without a delay) is the same as <raise>.
  ActionDraft read_send(pugi::xml_node node) {
    check_attributes(node, {"event", "delay", "target", "type"});
    SpecAction action{};
    action.kind = chart::ActionKind::send_after;
    action.location = at(node);
    if (const auto type = node.attribute("type");
        type && trim(type.value()) != kScxmlEventProcessor && trim(type.value()) != "scxml") {
      fail(ChartErrorKind::unsupported,
           at(type),
           "send type " + in_quotes(type.value()) + " is not supported; only the SCXML event processor is");
    }
    action.event = required(node, "event");
    if (const auto delay = node.attribute("delay")) {
      if (!parse_delay(delay.value(), action.delay_ms)) {
        fail(ChartErrorKind::invalid,
             at(delay),
             "invalid delay " + in_quotes(delay.value()) +
                 ": expected a CSS2 time in whole milliseconds, such as '500ms' or '1.5s'");
      }
    }
    if (const auto target = node.attribute("target")) {
      const std::string_view value = trim(target.value());
      if (value != "#_internal") {
        fail(ChartErrorKind::unsupported,
             at(target),
             "send target " + in_quotes(target.value()) +
                 " is not supported: a <send> goes to the chart itself (no target) or to '#_internal'");
      }
      if (node.attribute("delay"))
        fail(ChartErrorKind::invalid, at(node.attribute("delay")), "a <send> to '#_internal' cannot have a delay");
      action.kind = chart::ActionKind::raise;
    }
    return {action, "<send>"};
  }

  ActionDraft read_log(pugi::xml_node node) {
    check_attributes(node, {"label", "expr"});
    SpecAction action{};
    action.kind = chart::ActionKind::log;
    action.location = at(node);
    action.label = keep(node.attribute("label").value());
    if (const auto expr = node.attribute("expr")) {
      std::string_view literal;
      if (!parse_literal(expr.value(), literal)) {
        fail(ChartErrorKind::unsupported,
             at(expr),
             "unsupported log expr " + in_quotes(expr.value()) +
                 ": without a data model only a quoted literal such as 'text' is supported");
      }
      action.text = keep(literal);
    }
    return {action, "<log>"};
  }

  // ---- compile errors -------------------------------------------------------------

  [[noreturn]] void report(const chart::CompileResult& result, const std::string& subject_name) const {
    using chart::CompileError;
    std::string what = "<scxml>";
    SourceLocation where = result.location;
    switch (result.element) {
      case chart::SpecElement::state: what = state_what_.at(result.index); break;
      case chart::SpecElement::transition: what = transition_what_.at(result.index); break;
      case chart::SpecElement::action: what = action_what_.at(result.index); break;
      default: break;
    }
    if (where.line == 0) where = chart_location_;
    const std::string subject = in_quotes(subject_name);
    std::string message;
    switch (result.error) {
      case CompileError::unknown_target: message = "unknown target state " + subject + " in " + what; break;
      case CompileError::unknown_state_in_condition:
        message = "unknown state " + subject + " in the In() condition of " + what;
        break;
      case CompileError::duplicate_state_name: message = "duplicate state id " + subject; break;
      case CompileError::invalid_event_descriptor: message = "invalid event name " + subject + " in " + what; break;
      case CompileError::conflicting_targets:
        message =
            "the targets of " + what + " cannot be active together (" + subject + " conflicts with an earlier target)";
        break;
      case CompileError::initial_target_outside_state:
        message = "initial target " + subject + " is not a descendant of its state, in " + what;
        break;
      case CompileError::history_default_outside_parent:
        message = "history default target " + subject + " is not inside the history's parent state, in " + what;
        break;
      case CompileError::history_without_default:
        message = "<history> " + subject + " needs a <transition> giving its default";
        break;
      case CompileError::unexpected_initial:
        message = what + " " + subject + " has an initial state but no child states";
        break;
      case CompileError::eventless_loop:
        message = "a <transition> with no event, no cond and no target would loop forever";
        break;
      case CompileError::transition_from_final_or_history:
        message = "final and history states cannot have transitions";
        break;
      case CompileError::too_many_rows:
        message = "the chart is too large: it may have at most " + std::to_string(chart::kNone) +
                  " each of transitions, actions, transition targets and event descriptors";
        break;
      default:
        message = chart::describe(result.error);
        if (!subject_name.empty()) message += " (" + subject + ")";
        message += " in " + what;
        break;
    }
    fail(ChartErrorKind::invalid, where, message);
  }

  std::string_view text_;
  std::vector<char> buffer_;
  std::vector<std::size_t> line_starts_;
  struct Located {
    std::size_t line = 0;
    std::size_t offset = 0;
    std::uint32_t column = 0;
  };
  mutable Located last_located_;  // locate()'s cache
  std::string file_;
  pugi::xml_document document_;
  ChartSource source_;
  SourceLocation chart_location_;
  // What each Spec element was in the document, for compile errors.
  std::vector<std::string> state_what_;
  std::vector<std::string> transition_what_;
  std::vector<std::string> action_what_;
};

}  // namespace

LoadedChart load_scxml(std::string_view text, const std::string& file_name, std::string_view default_chart_name) {
  return ScxmlReader(text, file_name).read(default_chart_name);
}

LoadedChart load_scxml_file(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return load_scxml(text, "<stdin>", "chart");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ChartError(ChartErrorKind::io, path, 0, 0, std::string("cannot open file: ") + std::strerror(errno));
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) throw ChartError(ChartErrorKind::io, path, 0, 0, "cannot read file");
  text = std::move(contents).str();
  std::string stem = std::filesystem::path(path).stem().string();
  return load_scxml(text, path, stem.empty() ? "chart" : stem);
}

}  // namespace lit::tools
