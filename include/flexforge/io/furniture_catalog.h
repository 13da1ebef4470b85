// Sweet Home 3D furniture catalogs (Debian's sweethome3d-furniture: *.sh3f, zip archives). Each
// archive holds PluginFurnitureCatalog.properties (English) and one
// PluginFurnitureCatalog_<lang>.properties per translation, with numbered keys
// (name#N, category#N, tags#N, width#N, depth#N, height#N, model#N, ...). Java .properties files
// are ISO-8859-1 with \uXXXX escapes; this reader returns UTF-8.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace flexforge::io {

struct CatalogPiece {
  int id = 0;                                         // the N of name#N
  std::map<std::string, std::string> fields;          // English: name, category, tags, width, ...
  std::map<std::string, std::string> names;           // language code -> translated name
  std::map<std::string, std::string> categories;      // language code -> translated category
};

struct FurnitureCatalog {
  std::string name;                 // archive stem, e.g. "BlendSwap-CC-BY"
  std::filesystem::path archive;
  std::vector<CatalogPiece> pieces; // in id order
};

// Key/value pairs of one .properties text (comments, blank lines, continuations, ':' or '='
// separators, \t \n \uXXXX escapes). Bytes are read as ISO-8859-1.
std::map<std::string, std::string> parse_properties(const std::string& text);

// Reads one .sh3f archive. Error(InvalidInput) naming the file when it is missing, not a zip
// archive, or has no PluginFurnitureCatalog.properties.
FurnitureCatalog read_furniture_catalog(const std::filesystem::path& sh3f);

// The bytes of one member of a zip archive (stored or deflated). Error(InvalidInput) naming the
// archive and the member when either is missing or the member does not inflate.
std::string read_zip_member(const std::filesystem::path& archive, const std::string& member);
// Names of every member of a zip archive.
std::vector<std::string> list_zip_members(const std::filesystem::path& archive);

}  // namespace flexforge::io
