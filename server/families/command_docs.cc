// COMMAND DOCS: parses the compiled-in documentation (format in command_docs.h) once into an
// index, and writes a command's entry in redis-server 7.0.15's field order.

#include "server/families/command_docs.h"

#include <absl/container/flat_hash_map.h>

#include <deque>

#include "base/str_util.h"

namespace lw {

namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    size_t at = s.find(sep);
    if (at != 0) out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

// "k=3", "t=TOKEN"...: the tag before the first '=' and the value after it.
bool Tagged(std::string_view word, std::string_view* tag, std::string_view* value) {
  size_t eq = word.find('=');
  if (eq == std::string_view::npos) return false;
  *tag = word.substr(0, eq);
  *value = word.substr(eq + 1);
  return true;
}

bool ParseArg(std::string_view line, DocArg* arg) {
  std::vector<std::string_view> words = Split(line, ' ');
  if (words.size() < 2) return false;
  arg->name = words[0];
  arg->type = words[1];
  for (size_t i = 2; i < words.size(); ++i) {
    std::string_view tag, value;
    if (!Tagged(words[i], &tag, &value) || value.empty()) return false;
    if (tag == "k") {
      arg->key_spec_index = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return false;
        arg->key_spec_index = arg->key_spec_index * 10 + (c - '0');
      }
    } else if (tag == "t") {
      arg->token = value;
    } else if (tag == "s") {
      arg->since = value;
    } else if (tag == "d") {
      arg->deprecated_since = value;
    } else if (tag == "f") {
      arg->flags = Split(value, ',');
    } else {
      return false;
    }
  }
  return true;
}

bool ParseHead(std::string_view line, CommandDoc* doc) {
  std::vector<std::string_view> words = Split(line, ' ');
  if (words.size() < 3) return false;
  doc->name = words[0];
  doc->group = words[1];
  doc->since = words[2];
  for (size_t i = 3; i < words.size(); ++i) {
    std::string_view tag, value;
    if (!Tagged(words[i], &tag, &value)) return false;
    if (tag == "doc") {
      doc->doc_flags = Split(value, ',');
    } else if (tag == "dep") {
      doc->deprecated_since = value;
    } else {
      return false;
    }
  }
  return true;
}

class DocIndex {
 public:
  DocIndex() {
    std::string_view files[] = {command_docs::Strings(), command_docs::Keyspace(),
                                command_docs::Zsets(), command_docs::Server(),
                                command_docs::Lacewing()};
    for (size_t f = 0; f < std::size(files); ++f) Parse(f, files[f]);
    for (CommandDoc& doc : docs_) by_name_.emplace(std::string(doc.name), &doc);
    for (CommandDoc& doc : docs_) {
      size_t bar = doc.name.find('|');
      if (bar == std::string_view::npos) continue;
      auto parent = by_name_.find(std::string(doc.name.substr(0, bar)));
      if (parent == by_name_.end()) {
        errors_.push_back(std::string(doc.name) + ": no parent");
        continue;
      }
      parent->second->subcommands.push_back(&doc);
    }
  }

  const CommandDoc* Find(std::string_view name) const {
    auto it = by_name_.find(AsciiLower(name));
    return it == by_name_.end() ? nullptr : it->second;
  }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  void Parse(size_t file, std::string_view text);
  bool ParseLine(std::string_view line);

  std::deque<CommandDoc> docs_;  // stable addresses for the index and subcommand lists
  absl::flat_hash_map<std::string, CommandDoc*> by_name_;
  std::vector<std::string> errors_;
  std::vector<std::vector<DocArg>*> levels_;  // while parsing: the open argument lists
};

void DocIndex::Parse(size_t file, std::string_view text) {
  size_t line_no = 0;
  for (std::string_view line : Split(text, '\n')) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    if (!ParseLine(line)) {
      errors_.push_back(std::to_string(file) + ":" + std::to_string(line_no) + ": " +
                        std::string(line));
    }
  }
}

bool DocIndex::ParseLine(std::string_view line) {
  if (line.size() < 2) return false;
  char kind = line[0];
  if (kind == '=') {
    docs_.emplace_back();
    levels_.assign(1, &docs_.back().args);
    return line[1] == ' ' && ParseHead(line.substr(2), &docs_.back());
  }
  if (docs_.empty()) return false;
  CommandDoc& doc = docs_.back();
  std::string_view rest = line.substr(2);
  if (kind != '-' && line[1] != ' ') return false;
  if (kind == '?') {
    doc.summary = rest;
  } else if (kind == '!') {
    doc.complexity = rest;
    doc.has_complexity = true;
  } else if (kind == 'r') {
    doc.replaced_by = rest;
  } else if (kind == 'h') {
    size_t sp = rest.find(' ');
    if (sp == std::string_view::npos) return false;
    doc.history.emplace_back(rest.substr(0, sp), rest.substr(sp + 1));
  } else if (kind == '-') {
    size_t depth = line.find_first_not_of('-');
    if (depth == std::string_view::npos || depth > levels_.size() || line[depth] != ' ') {
      return false;
    }
    std::vector<DocArg>* list = levels_[depth - 1];
    list->emplace_back();
    levels_.resize(depth);
    levels_.push_back(&list->back().args);
    return ParseArg(line.substr(depth + 1), &list->back());
  } else {
    return false;
  }
  return true;
}

const DocIndex& Index() {
  static const DocIndex* index = new DocIndex();
  return *index;
}

void SendFlagSet(const std::vector<std::string_view>& flags, ReplyBuilder* rb) {
  rb->StartSet(flags.size());
  for (std::string_view f : flags) rb->SendSimpleString(f);
}

void SendArgs(const std::vector<DocArg>& args, ReplyBuilder* rb) {
  rb->StartArray(args.size());
  for (const DocArg& a : args) {
    size_t n = 2 + (a.key_spec_index >= 0) + !a.token.empty() + !a.since.empty() +
               !a.deprecated_since.empty() + !a.flags.empty() + !a.args.empty();
    rb->StartMap(n);
    rb->SendBulk("name");
    rb->SendBulk(a.name);
    rb->SendBulk("type");
    rb->SendBulk(a.type);
    if (a.key_spec_index >= 0) {
      rb->SendBulk("key_spec_index");
      rb->SendLong(a.key_spec_index);
    }
    std::pair<std::string_view, std::string_view> texts[] = {
        {"token", a.token}, {"since", a.since}, {"deprecated_since", a.deprecated_since}};
    for (auto [field, value] : texts) {
      if (value.empty()) continue;
      rb->SendBulk(field);
      rb->SendBulk(value);
    }
    if (!a.flags.empty()) {
      rb->SendBulk("flags");
      SendFlagSet(a.flags, rb);
    }
    if (!a.args.empty()) {
      rb->SendBulk("arguments");
      SendArgs(a.args, rb);
    }
  }
}

}  // namespace

const CommandDoc* FindCommandDoc(std::string_view name) { return Index().Find(name); }

const std::vector<std::string>& CommandDocErrors() { return Index().errors(); }

void SendCommandDoc(const CommandDoc& doc, ReplyBuilder* rb) {
  size_t n = 3 + doc.has_complexity + !doc.doc_flags.empty() + !doc.deprecated_since.empty() +
             !doc.replaced_by.empty() + !doc.history.empty() + !doc.args.empty() +
             !doc.subcommands.empty();
  rb->StartMap(n);
  rb->SendBulk("summary");
  rb->SendBulk(doc.summary);
  rb->SendBulk("since");
  rb->SendBulk(doc.since);
  rb->SendBulk("group");
  rb->SendBulk(doc.group);
  if (doc.has_complexity) {
    rb->SendBulk("complexity");
    rb->SendBulk(doc.complexity);
  }
  if (!doc.doc_flags.empty()) {
    rb->SendBulk("doc_flags");
    SendFlagSet(doc.doc_flags, rb);
  }
  std::pair<std::string_view, std::string_view> texts[] = {
      {"deprecated_since", doc.deprecated_since}, {"replaced_by", doc.replaced_by}};
  for (auto [field, value] : texts) {
    if (value.empty()) continue;
    rb->SendBulk(field);
    rb->SendBulk(value);
  }
  if (!doc.history.empty()) {
    rb->SendBulk("history");
    rb->StartSet(doc.history.size());
    for (const auto& [version, change] : doc.history) {
      rb->StartArray(2);
      rb->SendBulk(version);
      rb->SendBulk(change);
    }
  }
  if (!doc.args.empty()) {
    rb->SendBulk("arguments");
    SendArgs(doc.args, rb);
  }
  if (!doc.subcommands.empty()) {
    rb->SendBulk("subcommands");
    rb->StartMap(doc.subcommands.size());
    for (const CommandDoc* sub : doc.subcommands) {
      rb->SendBulk(sub->name);
      SendCommandDoc(*sub, rb);
    }
  }
}

}  // namespace lw
