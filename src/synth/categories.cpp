// The category registry: families register in a fixed order, which defines asset i's category.
#include "flexforge/synth/categories.h"

#include "categories_internal.h"

namespace flexforge::synth {

const std::vector<Category>& all_categories() {
  static const std::vector<Category> categories = [] {
    std::vector<Category> out;
    detail::register_furniture(out);
    detail::register_objects(out);
    detail::register_vehicles(out);
    detail::register_nature(out);
    detail::register_creatures(out);
    detail::register_scenes(out);
    return out;
  }();
  return categories;
}

const Category* find_category(const std::string& name) {
  for (const Category& c : all_categories()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace flexforge::synth
