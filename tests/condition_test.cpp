// The generator's prompt-side inputs: tokenizer (vocabulary, normalisation, fallbacks, limits)
// and image preprocessing (foreground crop, limits checked before decoding, CMYK JPEGs).
#include "flexforge/condition/image_input.h"
#include "flexforge/condition/tokenizer.h"
#include "flexforge/core/error.h"
#include "flexforge/synth/caption_corpus.h"
#include "flexforge/synth/synth.h"

#include "test_support.h"

#include <gtest/gtest.h>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <set>

namespace flexforge::condition {
namespace {

using test::TempDir;

// Runs fn, expecting Error(code) whose message contains `part`.
void expect_error(const std::function<void()>& fn, ExitCode code, const std::string& part) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one containing '" << part << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one line: " << e.what();
  }
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// ------------------------------------------------------------------------------------------------
// Tokenizer

const Tokenizer& synth_tokenizer() {
  static const Tokenizer tok = Tokenizer::build(synth::caption_corpus());
  return tok;
}

TEST(ConditionTokenizer, SynthVocabularyCoversGeneratedCaptions) {
  const Tokenizer& tok = synth_tokenizer();
  EXPECT_EQ(tok.token(Tokenizer::kPad), "<pad>");
  EXPECT_EQ(tok.token(Tokenizer::kUnk), "<unk>");
  EXPECT_EQ(tok.token(Tokenizer::kNull), "<null>");
  // Real assets (a seed the corpus never used), captions exactly as the dataset writes them.
  synth::SynthConfig config;
  config.resolution = 16;
  config.views = 0;
  config.part_meshes = false;
  config.categories = {"chair", "dog", "cactus", "flower"};
  for (std::size_t i = 0; i < 4; ++i) {
    const synth::SynthAsset asset = synth::generate_asset(config, 987654, i);
    for (const std::string& caption : asset.captions) {
      const EncodeResult r = tok.encode(caption, 256);
      EXPECT_TRUE(r.unknown_words.empty()) << caption << ": " << r.unknown_words.front();
      EXPECT_FALSE(r.truncated);
      for (const std::string& w : normalize_words(caption)) {
        EXPECT_TRUE(tok.contains(w) || w.find_first_not_of("0123456789") == std::string::npos)
            << "'" << w << "' of '" << caption << "'";
      }
    }
  }
  for (const char* w : {"chair", "red", "dark", "legs", "3d", "model", "of", "parts", "pose"}) {
    EXPECT_TRUE(tok.contains(w)) << w;
  }
}

TEST(ConditionTokenizer, NormalisesCasePunctuationAndApostrophes) {
  EXPECT_EQ(normalize_words("A RED, Chair! (Tall)... four-legged"),
            (std::vector<std::string>{"a", "red", "chair", "tall", "four", "legged"}));
  EXPECT_EQ(normalize_words("the Dog's 3D model\twith 12 legs\n"),
            (std::vector<std::string>{"the", "dog", "3d", "model", "with", "12", "legs"}));
  EXPECT_EQ(normalize_words("don\xE2\x80\x99t \xE2\x80\x9C" "CAF\xC3\x89\xE2\x80\x9D"),  // ’ “ É ”
            (std::vector<std::string>{"dont", "caf\xC3\xA9"}));
  EXPECT_TRUE(normalize_words(" ?!.. -- ").empty());
}

TEST(ConditionTokenizer, SaveLoadRoundTripKeepsIds) {
  const Tokenizer& tok = synth_tokenizer();
  TempDir dir;
  tok.save(dir / "vocab.json");
  const Tokenizer back = Tokenizer::load(dir / "vocab.json");
  EXPECT_EQ(back.tokens(), tok.tokens());
  const std::string prompt = "A tall red chair with armrests, and a zyzzyva.";
  const EncodeResult a = tok.encode(prompt, 32), b = back.encode(prompt, 32);
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(a.unknown_words, b.unknown_words);
  // Deterministic ids: building twice gives the same vocabulary.
  EXPECT_EQ(Tokenizer::build(synth::caption_corpus()).tokens(), tok.tokens());
}

TEST(ConditionTokenizer, MalformedVocabularyFileIsAModelError) {
  TempDir dir;
  const auto bad = [&](const std::string& name, const std::string& text, const std::string& why) {
    write_bytes(dir / name, text);
    expect_error([&] { Tokenizer::load(dir / name); }, ExitCode::Model, name);
    expect_error([&] { Tokenizer::load(dir / name); }, ExitCode::Model, why);
  };
  bad("json.json", "{\"format\": \"flexforge-tokenizer\", ", "not valid JSON");
  bad("format.json", R"({"format": "other", "version": 1, "tokens": []})", "format");
  bad("version.json", R"({"format": "flexforge-tokenizer", "version": 9, "tokens": ["<pad>"]})",
      "version");
  bad("specials.json",
      R"({"format": "flexforge-tokenizer", "version": 1, "tokens": ["<unk>", "<pad>", "<null>"]})",
      "<pad>");
  bad("dup.json",
      R"({"format": "flexforge-tokenizer", "version": 1, "tokens": ["<pad>", "<unk>", "<null>",
          "0","1","2","3","4","5","6","7","8","9", "red", "red"]})",
      "twice");
  bad("notnorm.json",
      R"({"format": "flexforge-tokenizer", "version": 1, "tokens": ["<pad>", "<unk>", "<null>",
          "0","1","2","3","4","5","6","7","8","9", "Red Chair"]})",
      "normalised");
  expect_error([&] { Tokenizer::load(dir / "missing.json"); }, ExitCode::Model, "missing.json");
}

TEST(ConditionTokenizer, InflectionAndCompoundFallbacks) {
  const Tokenizer tok = Tokenizer::build({"a red chair", "a box on a pony", "a shelf", "tall big",
                                          "large", "sail boat", "arm"});
  const auto one = [&](const std::string& word) {
    const EncodeResult r = tok.encode(word, 8);
    EXPECT_TRUE(r.unknown_words.empty()) << word;
    return r.ids;
  };
  EXPECT_EQ(one("chairs"), std::vector<TokenId>{tok.id("chair")});
  EXPECT_EQ(one("boxes"), std::vector<TokenId>{tok.id("box")});
  EXPECT_EQ(one("ponies"), std::vector<TokenId>{tok.id("pony")});
  EXPECT_EQ(one("shelves"), std::vector<TokenId>{tok.id("shelf")});
  EXPECT_EQ(one("taller"), std::vector<TokenId>{tok.id("tall")});
  EXPECT_EQ(one("biggest"), std::vector<TokenId>{tok.id("big")});
  EXPECT_EQ(one("larger"), std::vector<TokenId>{tok.id("large")});
  EXPECT_EQ(one("sailboats"), (std::vector<TokenId>{tok.id("sail"), tok.id("boat")}));
  EXPECT_EQ(one("armchair"), (std::vector<TokenId>{tok.id("arm"), tok.id("chair")}));
  // A number outside the vocabulary is spelled in digits, never <unk>.
  EXPECT_EQ(one("12"), (std::vector<TokenId>{tok.id("1"), tok.id("2")}));
  EXPECT_NE(tok.id("1"), Tokenizer::kUnk);
  const Tokenizer& synth = synth_tokenizer();
  EXPECT_EQ(synth.encode("Feet", 4).ids, std::vector<TokenId>{synth.id("foot")});
  EXPECT_EQ(synth.encode("oxen", 4).ids, std::vector<TokenId>{synth.id("ox")});
  // No sub-word match: "arms" -> "arm" works, but "xyzchair" is not a compound of vocab words.
  EXPECT_EQ(tok.encode("xyzchair", 8).ids, std::vector<TokenId>{Tokenizer::kUnk});
}

TEST(ConditionTokenizer, ReportsUnknownWordsOnceInOrder) {
  const Tokenizer& tok = synth_tokenizer();
  const EncodeResult r = tok.encode("A red zyzzyva chair, qqqq and ZYZZYVA", 32);
  EXPECT_EQ(r.unknown_words, (std::vector<std::string>{"zyzzyva", "qqqq"}));
  EXPECT_EQ(r.unknown_count, 3u);
  EXPECT_FALSE(r.all_unknown);
  EXPECT_EQ(r.ids.size(), 7u);
  EXPECT_EQ(r.ids[2], Tokenizer::kUnk);
  EXPECT_EQ(r.ids[1], tok.id("red"));

  const EncodeResult none = tok.encode("qwxz plmokn", 32);
  EXPECT_TRUE(none.all_unknown);
  EXPECT_EQ(none.ids, (std::vector<TokenId>{Tokenizer::kUnk, Tokenizer::kUnk}));
  EXPECT_EQ(none.unknown_words.size(), 2u);
}

TEST(ConditionTokenizer, TenThousandCharacterPromptIsTruncated) {
  const Tokenizer& tok = synth_tokenizer();
  std::string prompt;
  while (prompt.size() < 10000) prompt += "a tall red chair ";
  const EncodeResult r = tok.encode(prompt, 77);
  EXPECT_EQ(r.ids.size(), 77u);
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.ids[3], tok.id("chair"));
  EXPECT_FALSE(tok.encode("a tall red chair", 77).truncated);
  EXPECT_FALSE(tok.encode("a tall red chair", 4).truncated);  // exactly full is not truncated
  EXPECT_TRUE(tok.encode("a tall red chair", 3).truncated);

  // One 10k-byte garbage word, and 10k distinct garbage words: bounded reports, no crash.
  const EncodeResult blob = tok.encode(std::string(10000, 'q'), 77);
  EXPECT_EQ(blob.ids, std::vector<TokenId>{Tokenizer::kUnk});
  ASSERT_EQ(blob.unknown_words.size(), 1u);
  EXPECT_LE(blob.unknown_words[0].size(), 43u);
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "zq" + std::to_string(i) + "x ";
  const EncodeResult m = tok.encode(many, 4096);
  EXPECT_EQ(m.unknown_words.size(), Tokenizer::kMaxReportedUnknown);
  EXPECT_EQ(m.unknown_count, 2000u);
}

TEST(ConditionTokenizer, EmptyPromptIsAUsageError) {
  const Tokenizer& tok = synth_tokenizer();
  for (const char* p : {"", "   ", " \t\n ", "?!...", "\xE2\x80\x94"}) {
    expect_error([&] { tok.encode(p, 16); }, ExitCode::Usage, "prompt is empty");
  }
  expect_error([&] { tok.encode("chair", 0); }, ExitCode::Usage, "max_len");
}

TEST(ConditionTokenizer, NonUtf8PromptIsAnInputError) {
  const Tokenizer& tok = synth_tokenizer();
  for (const std::string& p : {std::string("red \xFF chair"), std::string("caf\xC3"),
                              std::string("\xC0\xAF"), std::string("\xED\xA0\x80"),
                              std::string("\xF4\x90\x80\x80"), std::string("a \x80 b")}) {
    expect_error([&] { tok.encode(p, 16); }, ExitCode::InvalidInput, "prompt is not valid UTF-8");
  }
  // Valid multi-byte text is fine (and unknown).
  const EncodeResult r = tok.encode("\xE6\xA4\x85\xE5\xAD\x90 chair", 16);  // 椅子
  EXPECT_EQ(r.unknown_words, std::vector<std::string>{"\xE6\xA4\x85\xE5\xAD\x90"});
}

TEST(ConditionTokenizer, PadAndNullSequence) {
  EXPECT_EQ(Tokenizer::null_ids(), std::vector<TokenId>{Tokenizer::kNull});
  EXPECT_EQ(Tokenizer::pad({5, 6}, 4), (std::vector<TokenId>{5, 6, 0, 0}));
  expect_error([] { Tokenizer::pad({5, 6, 7}, 2); }, ExitCode::Usage, "fit");
}

// ------------------------------------------------------------------------------------------------
// Image preprocessing

Image solid(int w, int h, std::array<std::uint8_t, 4> rgba) {
  Image im;
  im.width = w;
  im.height = h;
  im.rgba.resize(static_cast<std::size_t>(w) * h * 4);
  for (std::size_t i = 0; i < im.rgba.size(); ++i) im.rgba[i] = rgba[i % 4];
  return im;
}

void fill_rect(Image& im, int x0, int y0, int x1, int y1, std::array<std::uint8_t, 4> rgba) {
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x)
      for (int c = 0; c < 4; ++c) im.rgba[(static_cast<std::size_t>(y) * im.width + x) * 4 + c] = rgba[c];
}

struct MaskStats {
  double cx = 0, cy = 0, area = 0;
  int row_extent = 0;  // foreground pixels along the middle row
};

MaskStats mask_stats(const PreparedImage& p) {
  MaskStats s;
  for (int i = 0; i < p.size; ++i)
    for (int j = 0; j < p.size; ++j) {
      const double m = p.mask[static_cast<std::size_t>(i) * p.size + j];
      s.area += m, s.cx += m * (j + 0.5), s.cy += m * (i + 0.5);
      if (i == p.size / 2 && m > 0.5) ++s.row_extent;
    }
  s.cx /= s.area, s.cy /= s.area;
  return s;
}

std::array<int, 4> box_of(const PreparedImage& p) { return {p.box_x0, p.box_y0, p.box_x1, p.box_y1}; }

float channel(const PreparedImage& p, int c, int i, int j) {
  return p.pixels[static_cast<std::size_t>(c) * p.size * p.size + static_cast<std::size_t>(i) * p.size + j];
}

TEST(ConditionImage, AlphaForegroundIsCroppedAndCentred) {
  Image im = solid(200, 100, {0, 0, 0, 0});
  fill_rect(im, 20, 10, 60, 50, {230, 20, 20, 255});  // off-centre, 40x40
  ImageOptions opt;
  opt.size = 64;
  const PreparedImage p = prepare_image(im, opt);
  EXPECT_EQ(p.source, ForegroundSource::Alpha);
  EXPECT_EQ(box_of(p), (std::array<int, 4>{20, 10, 60, 50}));
  ASSERT_EQ(p.pixels.size(), 3u * 64 * 64);
  ASSERT_EQ(p.mask.size(), 64u * 64);
  const MaskStats s = mask_stats(p);
  EXPECT_NEAR(s.cx, 32.0, 0.5);
  EXPECT_NEAR(s.cy, 32.0, 0.5);
  // 40 px object in a 48 px window (10% margin each side) -> 53.3 of 64 output pixels.
  EXPECT_NEAR(s.row_extent, 53, 1);
  // Object colour inside, normalised as (x - 0.5) / 0.5; white fill and mask 0 at the corners.
  EXPECT_NEAR(channel(p, 0, 32, 32), 230 / 255.0 * 2 - 1, 1e-4);
  EXPECT_NEAR(channel(p, 1, 32, 32), 20 / 255.0 * 2 - 1, 1e-4);
  EXPECT_NEAR(channel(p, 2, 0, 0), 1.0, 1e-4);
  EXPECT_EQ(p.mask[0], 0.0f);
  EXPECT_NEAR(p.mask[32 * 64 + 32], 1.0, 1e-5);
}

TEST(ConditionImage, SynthRenderGoesThroughTheSamePath) {
  // Training feeds synth views (RGBA, transparent background) to prepare_image(): the object's
  // box must come out centred and filling 1 / (1 + 2 margin) of the frame along its longer side.
  synth::SynthConfig config;
  config.resolution = 16;
  config.views = 1;
  config.image_size = 96;
  config.part_meshes = false;
  config.categories = {"chair"};
  const synth::SynthAsset asset = synth::generate_asset(config, 4242, 0);
  ASSERT_EQ(asset.views.size(), 1u);
  const PreparedImage p = prepare_image(asset.views[0].image);
  EXPECT_EQ(p.source, ForegroundSource::Alpha);
  int x0 = p.size, y0 = p.size, x1 = 0, y1 = 0;
  for (int i = 0; i < p.size; ++i)
    for (int j = 0; j < p.size; ++j)
      if (p.mask[static_cast<std::size_t>(i) * p.size + j] > 0.5f) {
        x0 = std::min(x0, j), x1 = std::max(x1, j + 1), y0 = std::min(y0, i), y1 = std::max(y1, i + 1);
      }
  EXPECT_NEAR(x0, p.size - x1, 2);
  EXPECT_NEAR(y0, p.size - y1, 2);
  EXPECT_NEAR(std::max(x1 - x0, y1 - y0), p.size / 1.2, 3);
}

TEST(ConditionImage, UniformBackgroundIsRemovedAndObjectCentred) {
  Image im = solid(120, 90, {200, 200, 200, 255});
  fill_rect(im, 70, 20, 100, 80, {30, 60, 200, 255});  // 30x60, right of centre
  // A few isolated noise specks, like JPEG artefacts, must not stretch the box.
  fill_rect(im, 5, 5, 6, 6, {120, 120, 120, 255});
  ImageOptions opt;
  opt.size = 96;
  opt.fill = {0, 0, 0};
  const PreparedImage p = prepare_image(im, opt);
  EXPECT_EQ(p.source, ForegroundSource::Border);
  EXPECT_EQ(box_of(p), (std::array<int, 4>{70, 20, 100, 80}));
  const MaskStats s = mask_stats(p);
  EXPECT_NEAR(s.cx, 48.0, 0.5);
  EXPECT_NEAR(s.cy, 48.0, 0.5);
  // Background replaced by the fill colour (black -> -1), object kept.
  EXPECT_NEAR(channel(p, 0, 48, 5), -1.0, 1e-4);
  EXPECT_NEAR(channel(p, 2, 48, 48), 200 / 255.0 * 2 - 1, 1e-4);
  // Height 60 in a 72 px window -> 80 of 96 pixels; width 30 -> 40.
  EXPECT_NEAR(s.row_extent, 40, 1);
}

TEST(ConditionImage, BusyBackgroundKeepsTheWholeImage) {
  Image im = solid(64, 48, {0, 0, 0, 255});
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64; ++x) fill_rect(im, x, y, x + 1, y + 1, {std::uint8_t(x * 4), std::uint8_t(y * 5), 90, 255});
  const PreparedImage p = prepare_image(im);
  EXPECT_EQ(p.source, ForegroundSource::Whole);
  EXPECT_EQ(box_of(p), (std::array<int, 4>{0, 0, 64, 48}));
  EXPECT_EQ(p.size, 128);
}

TEST(ConditionImage, InMemoryErrors) {
  expect_error([] { prepare_image(solid(1, 1, {255, 0, 0, 255})); }, ExitCode::InvalidInput, "too small");
  expect_error([] { prepare_image(solid(15, 300, {255, 0, 0, 255})); }, ExitCode::InvalidInput, "too small");
  expect_error([] { prepare_image(solid(64, 64, {255, 0, 0, 0})); }, ExitCode::InvalidInput,
               "image has no visible foreground");
  expect_error([] { prepare_image(solid(64, 64, {90, 140, 30, 255})); }, ExitCode::InvalidInput,
               "image has no visible foreground");
  Image broken = solid(32, 32, {0, 0, 0, 255});
  broken.rgba.resize(100);
  expect_error([&] { prepare_image(broken); }, ExitCode::InvalidInput, "buffer");
  ImageOptions opt;
  opt.size = 3;
  expect_error([&] { prepare_image(solid(32, 32, {0, 0, 0, 255}), opt); }, ExitCode::Usage, "size");
}

// PNG chunk with its CRC.
std::string png_chunk(const std::string& type, const std::string& data) {
  std::string out;
  const auto be32 = [&](std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((v >> s) & 0xFF);
  };
  be32(static_cast<std::uint32_t>(data.size()));
  std::uint32_t crc = 0xFFFFFFFFu;
  for (char ch : type + data) {
    crc ^= static_cast<unsigned char>(ch);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  out += type + data;
  be32(crc ^ 0xFFFFFFFFu);
  return out;
}

TEST(ConditionImage, FileLimitsAreCheckedBeforeDecoding) {
  TempDir dir;
  // Header only: 20000 x 20000 RGBA, no pixel data at all. Rejected as too large, which proves
  // the check ran before decoding (decoding would fail differently) and allocated nothing.
  std::string ihdr;
  for (std::uint32_t v : {20000u, 20000u})
    for (int s = 24; s >= 0; s -= 8) ihdr += static_cast<char>((v >> s) & 0xFF);
  ihdr += std::string("\x08\x06\x00\x00\x00", 5);
  write_bytes(dir / "huge.png", std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr));
  const auto start = std::chrono::steady_clock::now();
  expect_error([&] { load_image(dir / "huge.png"); }, ExitCode::InvalidInput, "too large");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));  // decoding 1.6 GB would take far longer
  expect_error([&] { probe_image(dir / "huge.png"); }, ExitCode::InvalidInput, "20000x20000");

  write_bytes(dir / "tiny.png", render::encode_png(solid(1, 1, {255, 0, 0, 255})));
  expect_error([&] { prepare_image_file(dir / "tiny.png"); }, ExitCode::InvalidInput, "too small");

  std::string noise;
  for (int i = 0; i < 4096; ++i) noise += static_cast<char>((i * 7919) % 251);
  write_bytes(dir / "noise.png", noise);
  expect_error([&] { load_image(dir / "noise.png"); }, ExitCode::InvalidInput, "not a PNG or JPEG");
  write_bytes(dir / "empty.png", "");
  expect_error([&] { load_image(dir / "empty.png"); }, ExitCode::InvalidInput, "empty");
  expect_error([&] { load_image(dir / "absent.png"); }, ExitCode::InvalidInput, "not found");

  // Valid header, pixel data cut off: a decode error naming the file, never a crash.
  Image im = solid(64, 64, {0, 0, 0, 0});
  fill_rect(im, 10, 10, 40, 50, {10, 200, 10, 255});
  const std::string png = render::encode_png(im);
  write_bytes(dir / "cut.png", png.substr(0, png.size() / 2));
  expect_error([&] { load_image(dir / "cut.png"); }, ExitCode::InvalidInput, "cut.png");
  std::string bad_jpeg = "\xFF\xD8\xFF\xE0" + std::string(64, '\x11');
  write_bytes(dir / "bad.jpg", bad_jpeg);
  expect_error([&] { load_image(dir / "bad.jpg"); }, ExitCode::InvalidInput, "bad.jpg");

  // The intact file goes through exactly the in-memory path.
  write_bytes(dir / "ok.png", png);
  const PreparedImage from_file = prepare_image_file(dir / "ok.png");
  const PreparedImage from_memory = prepare_image(im);
  EXPECT_EQ(from_file.pixels, from_memory.pixels);
  EXPECT_EQ(from_file.mask, from_memory.mask);
  const ImageFileInfo info = probe_image(dir / "ok.png");
  EXPECT_EQ(info.width, 64);
  EXPECT_FALSE(info.jpeg);

  Image clear = solid(32, 32, {255, 255, 255, 0});
  write_bytes(dir / "clear.png", render::encode_png(clear));
  expect_error([&] { prepare_image_file(dir / "clear.png"); }, ExitCode::InvalidInput,
               "no visible foreground");
}

std::string stb_jpeg(const Image& im) {
  std::string bytes;
  stbi_write_jpg_to_func(
      [](void* ctx, void* data, int n) { static_cast<std::string*>(ctx)->append(static_cast<char*>(data), n); },
      &bytes, im.width, im.height, 4, im.rgba.data(), 95);
  return bytes;
}

TEST(ConditionImage, RgbJpegWithUniformBackground) {
  TempDir dir;
  Image im = solid(96, 64, {250, 250, 250, 255});
  fill_rect(im, 10, 16, 40, 48, {200, 30, 30, 255});
  write_bytes(dir / "photo.jpg", stb_jpeg(im));
  const ImageFileInfo info = probe_image(dir / "photo.jpg");
  EXPECT_TRUE(info.jpeg);
  EXPECT_FALSE(info.cmyk);
  const PreparedImage p = prepare_image_file(dir / "photo.jpg");
  EXPECT_EQ(p.source, ForegroundSource::Border);
  EXPECT_NEAR(p.box_x0, 10, 1);
  EXPECT_NEAR(p.box_x1, 40, 1);
  EXPECT_NEAR(p.box_y0, 16, 1);
  EXPECT_NEAR(p.box_y1, 48, 1);
  const MaskStats s = mask_stats(p);
  EXPECT_NEAR(s.cx, 64.0, 1.5);
  EXPECT_NEAR(s.cy, 64.0, 1.5);
}

// The JPEG with an EXIF segment (IFD0 holding only the orientation tag) right after SOI.
std::string with_exif_orientation(const std::string& jpeg, int orientation, bool big_endian) {
  const auto u16 = [&](int v) {
    return big_endian ? std::string{char(v >> 8), char(v & 0xFF)} : std::string{char(v & 0xFF), char(v >> 8)};
  };
  const auto u32 = [&](int v) {
    std::string le{char(v & 0xFF), char((v >> 8) & 0xFF), char((v >> 16) & 0xFF), char(v >> 24)};
    return big_endian ? std::string(le.rbegin(), le.rend()) : le;
  };
  std::string tiff = big_endian ? "MM" : "II";
  tiff += u16(42) + u32(8) + u16(1) + u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0) + u32(0);
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  const int length = static_cast<int>(payload.size()) + 2;
  return jpeg.substr(0, 2) + "\xFF\xE1" + std::string{char(length >> 8), char(length & 0xFF)} + payload +
         jpeg.substr(2);
}

TEST(ConditionImage, JpegExifOrientationIsApplied) {
  TempDir dir;
  // 32 x 16: red left half, blue right half (8x8-block aligned, so the JPEG keeps them clean).
  Image im = solid(32, 16, {220, 20, 20, 255});
  fill_rect(im, 16, 0, 32, 16, {20, 20, 220, 255});
  const std::string jpeg = stb_jpeg(im);
  const auto red_at = [](const Image& out, int x, int y) {
    const std::uint8_t* p = &out.rgba[(static_cast<std::size_t>(y) * out.width + x) * 4];
    return p[0] > 150 && p[2] < 100;
  };
  write_bytes(dir / "plain.jpg", jpeg);
  const Image plain = load_image(dir / "plain.jpg");
  EXPECT_EQ(plain.width, 32);
  EXPECT_TRUE(red_at(plain, 4, 8));
  // 6 = rotate 90 degrees clockwise for display: the red left half ends up on top.
  write_bytes(dir / "rot6.jpg", with_exif_orientation(jpeg, 6, false));
  EXPECT_EQ(probe_image(dir / "rot6.jpg").orientation, 6);
  const Image r6 = load_image(dir / "rot6.jpg");
  EXPECT_EQ(r6.width, 16);
  EXPECT_EQ(r6.height, 32);
  EXPECT_TRUE(red_at(r6, 8, 4));
  EXPECT_FALSE(red_at(r6, 8, 28));
  // 8 = rotate 90 degrees counter-clockwise (big-endian EXIF): red at the bottom.
  write_bytes(dir / "rot8.jpg", with_exif_orientation(jpeg, 8, true));
  const Image r8 = load_image(dir / "rot8.jpg");
  EXPECT_EQ(r8.width, 16);
  EXPECT_TRUE(red_at(r8, 8, 28));
  EXPECT_FALSE(red_at(r8, 8, 4));
  // 3 = rotate 180: red on the right.
  write_bytes(dir / "rot3.jpg", with_exif_orientation(jpeg, 3, false));
  const Image r3 = load_image(dir / "rot3.jpg");
  EXPECT_EQ(r3.width, 32);
  EXPECT_TRUE(red_at(r3, 28, 8));
  // An out-of-range tag is ignored rather than trusted.
  write_bytes(dir / "rot9.jpg", with_exif_orientation(jpeg, 9, false));
  EXPECT_TRUE(red_at(load_image(dir / "rot9.jpg"), 4, 8));
}

// A minimal baseline JPEG writer for 4-channel (CMYK) test files, which neither stb_image_write
// nor anything on a stock machine produces: every 8x8 block is one flat value per channel, so a
// block is its DC coefficient plus end-of-block. Quantisation 8 makes the quantised DC equal to
// value - 128; all DC categories get 4-bit codes, the AC table holds only end-of-block ("0").
std::string flat_block_jpeg(int w, int h, int components, int adobe_transform,
                            const std::function<std::uint8_t(int bx, int by, int c)>& value) {
  std::string out = "\xFF\xD8";
  const auto u16 = [&](int v) {
    out += static_cast<char>((v >> 8) & 0xFF);
    out += static_cast<char>(v & 0xFF);
  };
  const auto segment = [&](unsigned char marker, const std::string& data) {
    out += '\xFF';
    out += static_cast<char>(marker);
    u16(static_cast<int>(data.size()) + 2);
    out += data;
  };
  if (adobe_transform >= 0) {
    segment(0xEE, std::string("Adobe\x00\x64\x00\x00\x00\x00", 11) + static_cast<char>(adobe_transform));
  }
  segment(0xDB, std::string(1, '\0') + std::string(64, '\x08'));
  std::string sof = "\x08";
  sof += static_cast<char>(h >> 8), sof += static_cast<char>(h & 0xFF);
  sof += static_cast<char>(w >> 8), sof += static_cast<char>(w & 0xFF);
  sof += static_cast<char>(components);
  for (int c = 0; c < components; ++c) sof += std::string{static_cast<char>(c + 1), '\x11', '\0'};
  segment(0xC0, sof);
  std::string dc = std::string(1, '\x00') + std::string(3, '\0') + '\x0C' + std::string(12, '\0');
  for (int s = 0; s < 12; ++s) dc += static_cast<char>(s);
  segment(0xC4, dc);
  segment(0xC4, std::string(1, '\x10') + '\x01' + std::string(15, '\0') + '\0');
  std::string sos(1, static_cast<char>(components));
  for (int c = 0; c < components; ++c) sos += std::string{static_cast<char>(c + 1), '\0'};
  sos += std::string("\x00\x3F\x00", 3);
  segment(0xDA, sos);

  std::uint32_t acc = 0;
  int bits = 0;
  const auto put = [&](std::uint32_t code, int n) {
    for (int k = n - 1; k >= 0; --k) {
      acc = (acc << 1) | ((code >> k) & 1u);
      if (++bits == 8) {
        out += static_cast<char>(acc);
        if (acc == 0xFF) out += '\0';  // byte stuffing
        acc = 0, bits = 0;
      }
    }
  };
  std::vector<int> prev(components, 0);
  for (int by = 0; by < h / 8; ++by)
    for (int bx = 0; bx < w / 8; ++bx)
      for (int c = 0; c < components; ++c) {
        const int q = static_cast<int>(value(bx, by, c)) - 128;
        const int diff = q - prev[c];
        prev[c] = q;
        int size = 0;
        while ((std::abs(diff) >> size) != 0) ++size;
        put(static_cast<std::uint32_t>(size), 4);
        if (size > 0) put(static_cast<std::uint32_t>(diff > 0 ? diff : diff + (1 << size) - 1), size);
        put(0, 1);  // end of block
      }
  while (bits != 0) put(1, 1);
  out += "\xFF\xD9";
  return out;
}

TEST(ConditionImage, CmykJpegIsConvertedOrRejected) {
  TempDir dir;
  // Adobe-style inverted CMYK (stored = 255 - ink): white paper, a red (M+Y ink) square in the
  // middle 16x16 of 32x32.
  const auto cmyk = [](int bx, int by, int c) -> std::uint8_t {
    const bool object = bx >= 1 && bx <= 2 && by >= 1 && by <= 2;
    if (!object) return 255;
    return c == 0 || c == 3 ? 255 : 0;  // no cyan, full magenta and yellow, no black
  };
  write_bytes(dir / "adobe.jpg", flat_block_jpeg(32, 32, 4, 0, cmyk));
  const ImageFileInfo info = probe_image(dir / "adobe.jpg");
  EXPECT_TRUE(info.jpeg);
  EXPECT_TRUE(info.cmyk);
  EXPECT_EQ(info.channels, 4);
  const Image rgb = load_image(dir / "adobe.jpg");
  const auto px = [&](int x, int y, int c) { return int(rgb.rgba[(static_cast<std::size_t>(y) * 32 + x) * 4 + c]); };
  EXPECT_NEAR(px(16, 16, 0), 255, 3);  // red object
  EXPECT_NEAR(px(16, 16, 1), 0, 3);
  EXPECT_NEAR(px(16, 16, 2), 0, 3);
  EXPECT_NEAR(px(2, 2, 1), 255, 3);  // white paper, not a negative
  const PreparedImage p = prepare_image_file(dir / "adobe.jpg");
  EXPECT_EQ(p.source, ForegroundSource::Border);
  EXPECT_EQ(box_of(p), (std::array<int, 4>{8, 8, 24, 24}));

  // Same channels without the Adobe marker: their meaning is unknown, so the file is refused.
  write_bytes(dir / "plain.jpg", flat_block_jpeg(32, 32, 4, -1, cmyk));
  expect_error([&] { load_image(dir / "plain.jpg"); }, ExitCode::InvalidInput, "CMYK");
  expect_error([&] { load_image(dir / "plain.jpg"); }, ExitCode::InvalidInput, "plain.jpg");
}

TEST(ConditionImage, DownscaleAveragesAndUpscaleInterpolates) {
  // A 1-px vertical line in a 400 px image shrunk 4x keeps its ink as a faint line (area
  // filter), where point sampling would drop it or keep it at full strength.
  Image big = solid(400, 400, {255, 255, 255, 255});
  fill_rect(big, 200, 0, 201, 400, {0, 0, 0, 255});
  fill_rect(big, 0, 0, 1, 1, {255, 255, 255, 254});  // not all opaque: alpha frames the full image
  ImageOptions opt;
  opt.margin = 0.0f;
  opt.size = 100;
  const PreparedImage small = prepare_image(big, opt);
  float darkest = 1.0f, total_ink = 0.0f;
  for (int j = 0; j < 100; ++j) {
    const float v = channel(small, 0, 50, j) * 0.5f + 0.5f;
    darkest = std::min(darkest, v);
    total_ink += 1.0f - v;
  }
  EXPECT_NEAR(darkest, 0.75f, 0.02f);     // one of four source columns is black
  EXPECT_NEAR(total_ink, 0.25f, 0.02f);   // ink preserved

  Image two = solid(16, 16, {0, 0, 0, 255});
  fill_rect(two, 8, 0, 16, 16, {255, 255, 255, 255});
  fill_rect(two, 0, 0, 1, 1, {0, 0, 0, 254});
  opt.size = 64;
  const PreparedImage up = prepare_image(two, opt);
  // Across the edge the values ramp through intermediate greys instead of jumping.
  int intermediate = 0;
  for (int j = 16; j < 48; ++j) {
    const float v = channel(up, 0, 32, j) * 0.5f + 0.5f;
    if (v > 0.05f && v < 0.95f) ++intermediate;
  }
  EXPECT_EQ(intermediate, 4);  // output pixels whose centres fall between the two source centres
}

}  // namespace
}  // namespace flexforge::condition
