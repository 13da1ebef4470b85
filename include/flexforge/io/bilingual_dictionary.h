// Bilingual dictionaries in the dictd format (Debian's dict-freedict-*: FreeDict French, German,
// Spanish, Italian -> English), read for the prompt lexicon (docs/generate.md, "Open
// vocabulary"). A dictionary is NAME.index (headword TAB offset TAB length, the numbers in
// dictd's base64 digits) and NAME.dict.dz (gzip-compatible dictzip) holding the entries.
// FreeDict entries read "Stuhl /ʃtˈuːl/ <masc, n, sg>\nchair <n>, upright chair <n>\n...".
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace flexforge::io {

struct DictionaryEntry {
  std::string headword;                   // as written ("Stuhl", "voiture")
  std::vector<std::string> translations;  // the first sense's English words, in order
};

struct BilingualDictionary {
  std::string language;                 // source language code ("de", "fr", ...)
  std::filesystem::path index;
  std::vector<DictionaryEntry> entries; // nouns only, the first entry of each headword
};

// Reads PREFIX.index and PREFIX.dict.dz. Entries whose part of speech is given and is not a noun
// are left out (FreeDict's German and French give it; Spanish and Italian entries carry none and
// are all kept). Only the first entry of a headword (its primary sense) and that entry's first
// sense line are read; domain labels ([techn.]), grammatical tags (<n>) and notes are dropped.
// Error(InvalidInput) naming the file when either file is missing or unreadable, the index is
// malformed, or an entry lies outside the data.
BilingualDictionary read_bilingual_dictionary(const std::filesystem::path& prefix, const std::string& language);

// Decodes one dictd base64 number ("BdEf"). Returns false for an empty or invalid string or one
// that overflows 48 bits.
bool decode_dictd_number(const std::string& digits, unsigned long long& value);

}  // namespace flexforge::io
