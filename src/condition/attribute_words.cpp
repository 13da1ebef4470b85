#include "flexforge/condition/attribute_words.h"

namespace flexforge::condition {

const std::vector<ColourWord>& colour_words() {
  static const std::vector<ColourWord> words = {
    {"aliceblue", 0xF0F8FF}, {"antiquewhite", 0xFAEBD7}, {"aqua", 0x00FFFF}, {"aquamarine", 0x7FFFD4},
    {"azure", 0xF0FFFF}, {"bisque", 0xFFE4C4}, {"blanchedalmond", 0xFFEBCD},
    {"blueviolet", 0x8A2BE2}, {"burlywood", 0xDEB887}, {"cadetblue", 0x5F9EA0}, {"chartreuse", 0x7FFF00},
    {"chocolate", 0xD2691E}, {"coral", 0xFF7F50}, {"cornflowerblue", 0x6495ED}, {"cornsilk", 0xFFF8DC},
    {"crimson", 0xDC143C}, {"cyan", 0x00FFFF}, {"darkblue", 0x00008B}, {"darkcyan", 0x008B8B},
    {"darkgoldenrod", 0xB8860B}, {"darkgray", 0xA9A9A9}, {"darkgrey", 0xA9A9A9}, {"darkgreen", 0x006400},
    {"darkkhaki", 0xBDB76B}, {"darkmagenta", 0x8B008B}, {"darkolivegreen", 0x556B2F}, {"darkorange", 0xFF8C00},
    {"darkorchid", 0x9932CC}, {"darkred", 0x8B0000}, {"darksalmon", 0xE9967A}, {"darkseagreen", 0x8FBC8F},
    {"darkslateblue", 0x483D8B}, {"darkslategray", 0x2F4F4F}, {"darkturquoise", 0x00CED1},
    {"darkviolet", 0x9400D3}, {"deeppink", 0xFF1493}, {"deepskyblue", 0x00BFFF}, {"dimgray", 0x696969},
    {"dodgerblue", 0x1E90FF}, {"firebrick", 0xB22222}, {"floralwhite", 0xFFFAF0}, {"forestgreen", 0x228B22},
    {"fuchsia", 0xFF00FF}, {"gainsboro", 0xDCDCDC}, {"ghostwhite", 0xF8F8FF}, {"goldenrod", 0xDAA520},
    {"grey", 0x808080}, {"greenyellow", 0xADFF2F}, {"honeydew", 0xF0FFF0}, {"hotpink", 0xFF69B4},
    {"indianred", 0xCD5C5C}, {"indigo", 0x4B0082}, {"ivory", 0xFFFFF0}, {"khaki", 0xF0E68C},
    {"lavender", 0xE6E6FA}, {"lavenderblush", 0xFFF0F5}, {"lawngreen", 0x7CFC00}, {"lemonchiffon", 0xFFFACD},
    {"lightblue", 0xADD8E6}, {"lightcoral", 0xF08080}, {"lightcyan", 0xE0FFFF},
    {"lightgoldenrodyellow", 0xFAFAD2}, {"lightgray", 0xD3D3D3}, {"lightgreen", 0x90EE90},
    {"lightpink", 0xFFB6C1}, {"lightsalmon", 0xFFA07A}, {"lightseagreen", 0x20B2AA},
    {"lightskyblue", 0x87CEFA}, {"lightslategray", 0x778899}, {"lightsteelblue", 0xB0C4DE},
    {"lightyellow", 0xFFFFE0}, {"lime", 0x00FF00}, {"limegreen", 0x32CD32}, {"linen", 0xFAF0E6},
    {"magenta", 0xFF00FF}, {"maroon", 0x800000}, {"mediumaquamarine", 0x66CDAA}, {"mediumblue", 0x0000CD},
    {"mediumorchid", 0xBA55D3}, {"mediumpurple", 0x9370DB}, {"mediumseagreen", 0x3CB371},
    {"mediumslateblue", 0x7B68EE}, {"mediumspringgreen", 0x00FA9A}, {"mediumturquoise", 0x48D1CC},
    {"mediumvioletred", 0xC71585}, {"midnightblue", 0x191970}, {"mintcream", 0xF5FFFA},
    {"mistyrose", 0xFFE4E1}, {"moccasin", 0xFFE4B5}, {"navajowhite", 0xFFDEAD}, {"navy", 0x000080},
    {"oldlace", 0xFDF5E6}, {"olive", 0x808000}, {"olivedrab", 0x6B8E23}, {"orangered", 0xFF4500},
    {"orchid", 0xDA70D6}, {"palegoldenrod", 0xEEE8AA}, {"palegreen", 0x98FB98}, {"paleturquoise", 0xAFEEEE},
    {"palevioletred", 0xDB7093}, {"papayawhip", 0xFFEFD5}, {"peachpuff", 0xFFDAB9}, {"peru", 0xCD853F},
    {"plum", 0xDDA0DD}, {"powderblue", 0xB0E0E6}, {"rebeccapurple", 0x663399}, {"rosybrown", 0xBC8F8F},
    {"royalblue", 0x4169E1}, {"saddlebrown", 0x8B4513}, {"salmon", 0xFA8072}, {"sandybrown", 0xF4A460},
    {"seagreen", 0x2E8B57}, {"seashell", 0xFFF5EE}, {"sienna", 0xA0522D}, {"skyblue", 0x87CEEB},
    {"slateblue", 0x6A5ACD}, {"slategray", 0x708090}, {"snow", 0xFFFAFA}, {"springgreen", 0x00FF7F},
    {"steelblue", 0x4682B4}, {"thistle", 0xD8BFD8}, {"tomato", 0xFF6347}, {"turquoise", 0x40E0D0},
    {"violet", 0xEE82EE}, {"wheat", 0xF5DEB3}, {"whitesmoke", 0xF5F5F5}, {"yellowgreen", 0x9ACD32},
    // Common colour words outside the CSS list.
    {"scarlet", 0xFF2400}, {"burgundy", 0x800020}, {"cream", 0xFFFDD0}, {"amber", 0xFFBF00},
    {"mustard", 0xE1AD01}, {"ochre", 0xCC7722}, {"emerald", 0x50C878}, {"jade", 0x00A86B},
    {"cobalt", 0x0047AB}, {"sapphire", 0x0F52BA}, {"ruby", 0xE0115F}, {"lilac", 0xC8A2C8},
    {"mauve", 0xE0B0FF}, {"charcoal", 0x36454F}, {"ebony", 0x555D50}, {"ivory", 0xFFFFF0},
    {"chestnut", 0x954535}, {"mahogany", 0xC04000}, {"rust", 0xB7410E}, {"peach", 0xFFE5B4},
    {"sand", 0xC2B280}, {"khaki", 0xF0E68C}, {"mint", 0x98FF98}, {"aqua", 0x00FFFF},
    {"golden", 0xD4AF37}, {"silvery", 0xC0C0C0}, {"grey", 0x808080}, {"reddish", 0xC0392B},
    {"bluish", 0x3366CC}, {"greenish", 0x339966}, {"blonde", 0xFAF0BE}, {"blond", 0xFAF0BE},
  };
  return words;
}

const std::vector<MaterialWord>& material_words() {
  // Albedos are typical values for the untreated material, not measurements of one sample.
  static const std::vector<MaterialWord> words = {
    {"wooden", "wood", 0x9C6B3E}, {"timber", "wood", 0x9C6B3E}, {"oak", "wood", 0xB08850},
    {"pine", "wood", 0xD2B07A}, {"walnut", "wood", 0x5E4030}, {"teak", "wood", 0xA0703C},
    {"maple", "wood", 0xD8B888}, {"birch", "wood", 0xE0CBA0}, {"cherry", "wood", 0x8E4A32},
    {"bamboo", "wood", 0xD4BC82}, {"plywood", "wood", 0xC8A878}, {"metallic", "metal", 0xA8ACB0},
    {"steel", "metal", 0x9EA4AA}, {"iron", "metal", 0x6E7074}, {"brass", "metal", 0xB5A642},
    {"bronze", "metal", 0xCD7F32}, {"copper", "metal", 0xB87333}, {"aluminium", "metal", 0xC4C8CC},
    {"aluminum", "metal", 0xC4C8CC}, {"chrome", "metal", 0xD8DBDF}, {"tin", "metal", 0xB8BCC0},
    {"glassy", "glass", 0xD6E8EC}, {"crystal", "glass", 0xE4F0F4}, {"marble", "stone", 0xE8E4DC},
    {"granite", "stone", 0x7C7874}, {"stony", "stone", 0x8C8A84}, {"concrete", "stone", 0x9A9894},
    {"brick", "stone", 0xA0522D}, {"plastic", "", 0xE0E0E0}, {"leather", "", 0x6B4226},
    {"fabric", "", 0xB8B0A4}, {"cotton", "", 0xF2EFE6}, {"wool", "", 0xE8E0D0}, {"ceramic", "", 0xEDEAE4},
    {"porcelain", "", 0xF4F2EE}, {"clay", "", 0xB66A50}, {"rubber", "", 0x2A2A2A}, {"paper", "", 0xF4F0E6},
    {"velvet", "", 0x7A1F3D}, {"wicker", "", 0xC8A064},
  };
  return words;
}

std::array<float, 3> unpack_rgb(unsigned rgb) {
  return {((rgb >> 16) & 255) / 255.0f, ((rgb >> 8) & 255) / 255.0f, (rgb & 255) / 255.0f};
}

std::optional<std::array<float, 3>> colour_word_srgb(const std::string& name) {
  for (const ColourWord& c : colour_words())
    if (name == c.name) return unpack_rgb(c.rgb);
  return std::nullopt;
}

std::optional<std::array<float, 3>> material_word_srgb(const std::string& word) {
  for (const MaterialWord& m : material_words())
    if (word == m.word) return unpack_rgb(m.rgb);
  return std::nullopt;
}

}  // namespace flexforge::condition
