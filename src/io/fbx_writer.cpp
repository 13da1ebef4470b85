// Builds the FBX object graph (Models, Geometry, Materials, skeleton, skin deformers) for a Scene
// and hands the record tree to the binary encoder. Format facts follow what the FBX SDK writes and
// what Blender's and Assimp's readers require; see include/flexforge/io/fbx_writer.h for the
// conventions chosen.
#include "flexforge/io/fbx_writer.h"

#include "fbx_binary.h"
#include "flexforge/core/error.h"
#include "flexforge/core/skin_weights.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace flexforge::io {
namespace {

using fbx::Node;
using Mat4d = Eigen::Matrix4d;

constexpr double kPi = 3.14159265358979323846;
// FBX measures in centimetres; 100 declares one file unit to be a metre (see the header).
constexpr double kUnitScaleFactor = 100.0;
// One second in FBX time units ("KTime"): key times and time spans.
constexpr std::int64_t kKTimeSecond = 46186158000;

// Object names carry their class after a "\x00\x01" separator in binary FBX ("Cube\0\1Model").
std::string name_class(const std::string& name, const char* cls) {
  return name + std::string("\x00\x01", 2) + cls;
}

// Properties70 entries: P: name, type, label, flags, value...
class Properties {
 public:
  explicit Properties(Node& owner) : node_(owner.child("Properties70")) {}

  void integer(const char* name, std::int32_t v) { p(name, "int", "Integer", "").add_int32(v); }
  void enumeration(const char* name, std::int32_t v) { p(name, "enum", "", "").add_int32(v); }
  void number(const char* name, double v) { p(name, "double", "Number", "").add_double(v); }
  void animatable_number(const char* name, double v) { p(name, "Number", "", "A").add_double(v); }
  void string(const char* name, const std::string& v) { p(name, "KString", "", "").add_string(v); }
  void url(const char* name, const std::string& v) { p(name, "KString", "Url", "").add_string(v); }
  void time(const char* name, std::int64_t v) { p(name, "KTime", "Time", "").add_int64(v); }
  void object(const char* name) { p(name, "object", "", ""); }
  void color(const char* name, double r, double g, double b) {
    p(name, "ColorRGB", "Color", "").add_double(r).add_double(g).add_double(b);
  }
  void animatable_color(const char* name, double r, double g, double b) {
    p(name, "Color", "", "A").add_double(r).add_double(g).add_double(b);
  }
  // "Lcl Translation" and friends: the type name equals the property name.
  void transform(const char* name, const Eigen::Vector3d& v) {
    p(name, name, "", "A").add_double(v.x()).add_double(v.y()).add_double(v.z());
  }

 private:
  Node& p(const char* name, const char* type, const char* label, const char* flags) {
    return node_.child("P").add_string(name).add_string(type).add_string(label).add_string(flags);
  }
  Node& node_;
};

std::vector<double> to_column_major(const Mat4d& m) {
  std::vector<double> out;
  out.reserve(16);
  for (int c = 0; c < 4; ++c)
    for (int r = 0; r < 4; ++r) out.push_back(m(r, c));
  return out;
}

struct Trs {
  Eigen::Vector3d translation = Eigen::Vector3d::Zero();
  Eigen::Vector3d rotation_degrees = Eigen::Vector3d::Zero();  // FBX eEulerXYZ
  Eigen::Vector3d scaling = Eigen::Vector3d::Ones();
};

// Splits an affine matrix into FBX's Lcl Translation / Rotation / Scaling. FBX's default rotation
// order XYZ means M = Rz * Ry * Rx. Shear cannot be represented and is dropped; a mirroring matrix
// keeps its handedness through a negative X scale.
Trs decompose(const Mat4d& m) {
  Trs out;
  out.translation = m.block<3, 1>(0, 3);
  Eigen::Matrix3d r = m.block<3, 3>(0, 0);
  for (int i = 0; i < 3; ++i) out.scaling[i] = r.col(i).norm();
  if (r.determinant() < 0) out.scaling.x() = -out.scaling.x();
  for (int i = 0; i < 3; ++i) {
    if (out.scaling[i] == 0) throw Error(ExitCode::InvalidInput, "FBX export: a joint's bind matrix is singular");
    r.col(i) /= out.scaling[i];
  }
  const double sy = std::clamp(-r(2, 0), -1.0, 1.0);
  double x, y = std::asin(sy), z;
  if (std::abs(sy) < 1.0 - 1e-9) {
    x = std::atan2(r(2, 1), r(2, 2));
    z = std::atan2(r(1, 0), r(0, 0));
  } else {  // gimbal lock: only x +/- z is defined, put it all in x
    x = std::atan2(-r(1, 2), r(1, 1));
    z = 0;
  }
  out.rotation_degrees = Eigen::Vector3d(x, y, z) * (180.0 / kPi);
  return out;
}

class FbxBuilder {
 public:
  FbxBuilder(const Scene& scene, const FbxOptions& options)
      : scene_(scene), options_(options), objects_(std::make_unique<Node>("Objects")) {}

  std::string build() {
    if (!scene_.skeleton.empty()) write_skeleton();
    for (std::size_t i = 0; i < scene_.parts.size(); ++i) write_part(i);
    if (!scene_.skeleton.empty())
      for (const AnimationClip& clip : scene_.animations) write_clip(clip);

    std::vector<std::unique_ptr<Node>> top;
    top.push_back(header_extension());
    top.push_back(std::make_unique<Node>("FileId"));
    top.back()->add_raw(fbx::kFileId);
    top.push_back(std::make_unique<Node>("CreationTime"));
    top.back()->add_string(fbx::kCreationTime);
    top.push_back(std::make_unique<Node>("Creator"));
    top.back()->add_string(options_.creator);
    top.push_back(global_settings());
    top.push_back(documents());
    top.push_back(std::make_unique<Node>("References"));
    top.push_back(definitions());
    top.push_back(std::move(objects_));
    top.push_back(connections());
    top.push_back(takes());
    return fbx::encode_document(top);
  }

 private:
  // Object ids only need to be unique, positive and non-zero (0 is the scene root); a counter
  // keeps the output deterministic.
  std::int64_t new_id() { return next_id_++; }

  // A new object record under Objects, counted for Definitions.
  Node& object(const char* type, std::int64_t id, const std::string& name, const char* cls,
               const char* subclass) {
    auto it = std::find_if(object_counts_.begin(), object_counts_.end(),
                           [&](const auto& entry) { return entry.first == type; });
    if (it == object_counts_.end()) object_counts_.emplace_back(type, 1);
    else ++it->second;
    return objects_->child(type).add_int64(id).add_string(name_class(name, cls)).add_string(subclass);
  }

  void connect(std::int64_t child, std::int64_t parent) { connections_.push_back({child, parent, ""}); }
  // An object-to-property connection ("OP"): an animation curve node driving a Model's
  // "Lcl Rotation", a curve driving a curve node's "d|X".
  void connect_property(std::int64_t child, std::int64_t parent, const char* property) {
    connections_.push_back({child, parent, property});
  }

  Node& model(std::int64_t id, const std::string& name, const char* subclass, const Trs& trs) {
    Node& m = object("Model", id, name, "Model", subclass);
    m.child("Version").add_int32(232);
    Properties props(m);
    props.transform("Lcl Translation", trs.translation);
    props.transform("Lcl Rotation", trs.rotation_degrees);
    props.transform("Lcl Scaling", trs.scaling);
    // FBX SDK's default is -1 (no attribute), which some readers reject.
    props.integer("DefaultAttributeIndex", 0);
    props.enumeration("InheritType", 1);  // RSrs: the usual parent-child transform inheritance
    m.child("MultiLayer").add_int32(0);
    m.child("MultiTake").add_int32(0);
    m.child("Shading").add_bool(true);
    m.child("Culling").add_string("CullingOff");
    return m;
  }

  void write_skeleton() {
    const auto& joints = scene_.skeleton.joints;
    armature_id_ = new_id();
    model(armature_id_, "Armature", "Null", Trs{});
    connect(armature_id_, 0);

    joint_ids_.resize(joints.size());
    for (std::size_t j = 0; j < joints.size(); ++j) {
      const Joint& joint = joints[j];
      const Mat4d world = joint.bind_world.cast<double>();
      const Mat4d local = joint.parent < 0
                              ? world
                              : Mat4d(joints[joint.parent].bind_world.cast<double>().inverse() * world);
      joint_ids_[j] = new_id();
      model(joint_ids_[j], joint.name, "LimbNode", decompose(local));
      connect(joint_ids_[j], joint.parent < 0 ? armature_id_ : joint_ids_[joint.parent]);

      const std::int64_t attribute_id = new_id();
      Node& attribute = object("NodeAttribute", attribute_id, joint.name, "NodeAttribute", "LimbNode");
      attribute.child("TypeFlags").add_string("Skeleton");
      Properties(attribute).number("Size", 1.0);
      connect(attribute_id, joint_ids_[j]);
    }
  }

  void write_part(std::size_t index) {
    const Part& part = scene_.parts[index];
    const std::string name = part.name.empty() ? "part_" + std::to_string(index) : part.name;

    const std::int64_t model_id = new_id();
    model(model_id, name, "Mesh", Trs{});
    connect(model_id, 0);

    const std::int64_t geometry_id = new_id();
    write_geometry(geometry_id, name, part.mesh);
    connect(geometry_id, model_id);

    const std::int64_t material_id = new_id();
    write_material(material_id, name + "_material");
    connect(material_id, model_id);

    if (part.mesh.has_skin()) write_skin(geometry_id, model_id, name, part.mesh);
  }

  void write_geometry(std::int64_t id, const std::string& name, const Mesh& mesh) {
    constexpr std::size_t kMaxIndex = std::numeric_limits<std::int32_t>::max();
    if (mesh.vertex_count() > kMaxIndex || mesh.face_count() > kMaxIndex / 3) {
      throw Error(ExitCode::StageFailed, "FBX export: part '" + name +
                                             "' has more vertices or triangles than FBX's 32-bit indices allow");
    }
    Node& g = object("Geometry", id, name, "Geometry", "Mesh");
    g.child("Properties70");
    g.child("GeometryVersion").add_int32(124);

    std::vector<double> vertices;
    vertices.reserve(mesh.vertex_count() * 3);
    for (const Vec3& p : mesh.positions) vertices.insert(vertices.end(), {p.x(), p.y(), p.z()});
    g.child("Vertices").add_double_array(vertices);

    // A polygon ends at the corner whose index is stored bitwise-negated.
    std::vector<std::int32_t> corners;
    corners.reserve(mesh.face_count() * 3);
    for (const Triangle& t : mesh.triangles) {
      corners.push_back(static_cast<std::int32_t>(t[0]));
      corners.push_back(static_cast<std::int32_t>(t[1]));
      corners.push_back(~static_cast<std::int32_t>(t[2]));
    }
    g.child("PolygonVertexIndex").add_int32_array(corners);

    std::vector<const char*> layer_elements;
    if (mesh.has_normals()) {
      // Normals per polygon corner (not per vertex) is the mapping every reader supports.
      std::vector<double> normals;
      normals.reserve(mesh.face_count() * 9);
      for (const Triangle& t : mesh.triangles)
        for (std::uint32_t v : t) {
          const Vec3& n = mesh.normals[v];
          normals.insert(normals.end(), {n.x(), n.y(), n.z()});
        }
      Node& layer = g.child("LayerElementNormal").add_int32(0);
      layer.child("Version").add_int32(101);
      layer.child("Name").add_string("");
      layer.child("MappingInformationType").add_string("ByPolygonVertex");
      layer.child("ReferenceInformationType").add_string("Direct");
      layer.child("Normals").add_double_array(normals);
      layer_elements.push_back("LayerElementNormal");
    }
    if (mesh.has_colors()) {
      // The per-vertex colours are the direct array; each corner indexes its vertex's colour.
      std::vector<double> colors;
      colors.reserve(mesh.vertex_count() * 4);
      for (const Vec4& c : mesh.colors) colors.insert(colors.end(), {c.x(), c.y(), c.z(), c.w()});
      std::vector<std::int32_t> color_index;
      color_index.reserve(corners.size());
      for (const Triangle& t : mesh.triangles)
        for (std::uint32_t v : t) color_index.push_back(static_cast<std::int32_t>(v));
      Node& layer = g.child("LayerElementColor").add_int32(0);
      layer.child("Version").add_int32(101);
      layer.child("Name").add_string("Color");
      layer.child("MappingInformationType").add_string("ByPolygonVertex");
      layer.child("ReferenceInformationType").add_string("IndexToDirect");
      layer.child("Colors").add_double_array(colors);
      layer.child("ColorIndex").add_int32_array(color_index);
      layer_elements.push_back("LayerElementColor");
    }
    Node& material_layer = g.child("LayerElementMaterial").add_int32(0);
    material_layer.child("Version").add_int32(101);
    material_layer.child("Name").add_string("");
    material_layer.child("MappingInformationType").add_string("AllSame");
    material_layer.child("ReferenceInformationType").add_string("IndexToDirect");
    material_layer.child("Materials").add_int32_array({0});
    layer_elements.push_back("LayerElementMaterial");

    Node& layer = g.child("Layer").add_int32(0);
    layer.child("Version").add_int32(100);
    for (const char* type : layer_elements) {
      Node& element = layer.child("LayerElement");
      element.child("Type").add_string(type);
      element.child("TypedIndex").add_int32(0);
    }
  }

  void write_material(std::int64_t id, const std::string& name) {
    Node& m = object("Material", id, name, "Material", "");
    m.child("Version").add_int32(102);
    m.child("ShadingModel").add_string("lambert");
    m.child("MultiLayer").add_int32(0);
    Properties props(m);
    props.string("ShadingModel", "lambert");
    props.animatable_color("DiffuseColor", 0.8, 0.8, 0.8);
    props.animatable_number("DiffuseFactor", 1.0);
    props.animatable_color("EmissiveColor", 0.0, 0.0, 0.0);
    props.animatable_color("AmbientColor", 0.0, 0.0, 0.0);
    props.animatable_number("Opacity", 1.0);
  }

  // Skin deformer on the geometry, one Cluster per joint, and the BindPose. Matrices are
  // column-major; the mesh Model sits at the origin, so its world matrix is the identity.
  void write_skin(std::int64_t geometry_id, std::int64_t model_id, const std::string& name, const Mesh& mesh) {
    const auto& joints = scene_.skeleton.joints;
    if (joints.empty()) {
      throw Error(ExitCode::InvalidInput, "FBX export: part '" + name + "' is skinned but the scene has no skeleton");
    }
    if (joints.size() > 65536) {
      throw Error(ExitCode::StageFailed, "FBX export: more than 65536 joints are not supported");
    }
    std::vector<std::vector<std::int32_t>> indexes(joints.size());
    std::vector<std::vector<double>> weights(joints.size());
    // The same top-4 weights the glTF writer stores; a vertex without weights follows the root
    // joint (index 0, see Skeleton::validate), as in glTF.
    for (std::size_t v = 0; v < mesh.skin.size(); ++v) {
      const FourInfluences four = top4_normalized(mesh.skin[v], 0);
      for (int k = 0; k < 4; ++k) {
        if (four.weights[k] <= 0.0f) continue;
        indexes[four.joints[k]].push_back(static_cast<std::int32_t>(v));
        weights[four.joints[k]].push_back(four.weights[k]);
      }
    }

    const std::int64_t skin_id = new_id();
    Node& skin = object("Deformer", skin_id, name, "Deformer", "Skin");
    skin.child("Version").add_int32(101);
    skin.child("Link_DeformAcuracy").add_double(50.0);
    connect(skin_id, geometry_id);

    const Mat4d identity = Mat4d::Identity();
    for (std::size_t j = 0; j < joints.size(); ++j) {
      const Mat4d bind = joints[j].bind_world.cast<double>();
      const std::int64_t cluster_id = new_id();
      Node& cluster = object("Deformer", cluster_id, joints[j].name, "SubDeformer", "Cluster");
      cluster.child("Version").add_int32(100);
      cluster.child("UserData").add_string("").add_string("");
      cluster.child("Indexes").add_int32_array(indexes[j]);
      cluster.child("Weights").add_double_array(weights[j]);
      // Transform maps the mesh into the joint's bind frame (mesh world = identity);
      // TransformLink is the joint's world bind matrix, TransformAssociateModel the armature's.
      cluster.child("Transform").add_double_array(to_column_major(bind.inverse()));
      cluster.child("TransformLink").add_double_array(to_column_major(bind));
      cluster.child("TransformAssociateModel").add_double_array(to_column_major(identity));
      connect(cluster_id, skin_id);
      connect(joint_ids_[j], cluster_id);
    }

    const std::int64_t pose_id = new_id();
    Node& pose = object("Pose", pose_id, name, "Pose", "BindPose");
    pose.child("Type").add_string("BindPose");
    pose.child("Version").add_int32(100);
    pose.child("NbPoseNodes").add_int32(static_cast<std::int32_t>(joints.size() + 2));
    auto pose_node = [&](std::int64_t node, const Mat4d& world) {
      Node& n = pose.child("PoseNode");
      n.child("Node").add_int64(node);
      n.child("Matrix").add_double_array(to_column_major(world));
    };
    pose_node(model_id, identity);
    pose_node(armature_id_, identity);
    for (std::size_t j = 0; j < joints.size(); ++j) pose_node(joint_ids_[j], joints[j].bind_world.cast<double>());
  }

  float longest_clip() const {
    float longest = 0;
    for (const AnimationClip& clip : scene_.animations) longest = std::max(longest, clip.duration());
    return longest;
  }

  // One AnimationStack per clip (Blender makes one action of each), with one AnimationLayer
  // holding a curve node per animated joint property and one curve per component.
  void write_clip(const AnimationClip& clip) {
    const std::int64_t stack_id = new_id();
    Node& stack = object("AnimationStack", stack_id, clip.name, "AnimStack", "");
    Properties stack_props(stack);
    stack_props.time("LocalStart", 0);
    stack_props.time("LocalStop", ktime(clip.duration()));
    stack_props.time("ReferenceStart", 0);
    stack_props.time("ReferenceStop", ktime(clip.duration()));
    const std::int64_t layer_id = new_id();
    object("AnimationLayer", layer_id, "BaseLayer", "AnimLayer", "");
    connect(layer_id, stack_id);

    std::vector<std::int64_t> times;
    for (float t : clip.times) times.push_back(ktime(t));
    const auto& joints = scene_.skeleton.joints;
    for (const JointTrack& track : clip.tracks) {
      const std::int64_t model_id = joint_ids_.at(static_cast<std::size_t>(track.joint));
      const Joint& joint = joints[static_cast<std::size_t>(track.joint)];
      const Mat4d bind_local = joint.parent < 0 ? Mat4d(joint.bind_world.cast<double>())
                                                : Mat4d(joints[joint.parent].bind_world.cast<double>().inverse() *
                                                        joint.bind_world.cast<double>());
      if (!track.rotations.empty()) {
        // Euler angles per key from the local rotation (bind scale kept), unwrapped so that
        // consecutive keys never jump by 360 degrees.
        std::vector<Eigen::Vector3d> euler;
        Eigen::Vector3d scale;
        for (int i = 0; i < 3; ++i) scale[i] = bind_local.block<3, 1>(0, i).norm();
        for (const Vec4& q : track.rotations) {
          Mat4d m = Mat4d::Identity();
          m.block<3, 3>(0, 0) = Eigen::Quaterniond(q.w(), q.x(), q.y(), q.z()).normalized().toRotationMatrix() *
                                scale.asDiagonal();
          Eigen::Vector3d e = decompose(m).rotation_degrees;
          if (!euler.empty())
            for (int i = 0; i < 3; ++i) e[i] -= 360.0 * std::round((e[i] - euler.back()[i]) / 360.0);
          euler.push_back(e);
        }
        write_curve_node(layer_id, model_id, "R", "Lcl Rotation", times, euler);
      }
      if (!track.translations.empty()) {
        std::vector<Eigen::Vector3d> values;
        for (const Vec3& t : track.translations) values.push_back(t.cast<double>());
        write_curve_node(layer_id, model_id, "T", "Lcl Translation", times, values);
      }
    }
  }

  void write_curve_node(std::int64_t layer_id, std::int64_t model_id, const char* name, const char* property,
                        const std::vector<std::int64_t>& times, const std::vector<Eigen::Vector3d>& values) {
    const std::int64_t node_id = new_id();
    Node& node = object("AnimationCurveNode", node_id, name, "AnimCurveNode", "");
    Properties props(node);
    const char* components[3] = {"d|X", "d|Y", "d|Z"};
    for (int i = 0; i < 3; ++i) props.animatable_number(components[i], values.front()[i]);
    connect(node_id, layer_id);
    connect_property(node_id, model_id, property);
    for (int i = 0; i < 3; ++i) {
      const std::int64_t curve_id = new_id();
      Node& curve = object("AnimationCurve", curve_id, "", "AnimCurve", "");
      std::vector<float> keys;
      for (const Eigen::Vector3d& v : values) keys.push_back(static_cast<float>(v[i]));
      curve.child("Default").add_double(values.front()[i]);
      curve.child("KeyVer").add_int32(4009);
      curve.child("KeyTime").add_int64_array(times);
      curve.child("KeyValueFloat").add_float_array(keys);
      // One attribute shared by every key: linear interpolation (bit 2) with the tangent flags
      // the FBX SDK sets alongside it; its data block is four floats, the third an SDK constant.
      curve.child("KeyAttrFlags").add_int32_array({(1 << 2) | (1 << 8) | (1 << 13) | (1 << 14)});
      curve.child("KeyAttrDataFloat").add_float_array({0.0f, 0.0f, 9.419963346924634e-30f, 0.0f});
      curve.child("KeyAttrRefCount").add_int32_array({static_cast<std::int32_t>(times.size())});
      connect_property(curve_id, node_id, components[i]);
    }
  }

  // The Takes section names each clip and its time span (older readers list clips from it).
  std::unique_ptr<Node> takes() const {
    auto t = std::make_unique<Node>("Takes");
    const bool animated = !scene_.skeleton.empty() && !scene_.animations.empty();
    t->child("Current").add_string(animated ? scene_.animations.front().name : std::string());
    if (!animated) return t;
    for (const AnimationClip& clip : scene_.animations) {
      Node& take = t->child("Take").add_string(clip.name);
      take.child("FileName").add_string(clip.name + ".tak");
      take.child("LocalTime").add_int64(0).add_int64(ktime(clip.duration()));
      take.child("ReferenceTime").add_int64(0).add_int64(ktime(clip.duration()));
    }
    return t;
  }

  static std::int64_t ktime(double seconds) { return static_cast<std::int64_t>(std::llround(seconds * kKTimeSecond)); }

  std::unique_ptr<Node> header_extension() const {
    auto h = std::make_unique<Node>("FBXHeaderExtension");
    h->child("FBXHeaderVersion").add_int32(1003);
    h->child("FBXVersion").add_int32(static_cast<std::int32_t>(fbx::kVersion));
    h->child("EncryptionType").add_int32(0);
    // Matches the fixed CreationTime (see fbx_binary.h) so that the file stays reproducible.
    Node& stamp = h->child("CreationTimeStamp");
    for (auto [key, value] : {std::pair{"Version", 1000}, {"Year", 1970}, {"Month", 1}, {"Day", 1},
                              {"Hour", 10}, {"Minute", 0}, {"Second", 0}, {"Millisecond", 0}}) {
      stamp.child(key).add_int32(value);
    }
    h->child("Creator").add_string(options_.creator);

    Node& info = h->child("SceneInfo").add_string(name_class("GlobalInfo", "SceneInfo")).add_string("UserData");
    info.child("Type").add_string("UserData");
    info.child("Version").add_int32(100);
    Node& meta = info.child("MetaData");
    meta.child("Version").add_int32(100);
    for (const char* key : {"Title", "Subject", "Author", "Keywords", "Revision"}) meta.child(key).add_string("");
    // Scene metadata has no FBX home of its own; the document comment carries it as JSON.
    meta.child("Comment").add_string(scene_.metadata.empty() ? std::string() : scene_.metadata.dump());
    Properties props(info);
    props.url("DocumentUrl", "/scene.fbx");
    props.url("SrcDocumentUrl", "/scene.fbx");
    props.string("Original|ApplicationVendor", "flexforge");
    props.string("Original|ApplicationName", options_.creator);
    props.string("Original|ApplicationVersion", "");
    props.string("LastSaved|ApplicationVendor", "flexforge");
    props.string("LastSaved|ApplicationName", options_.creator);
    props.string("LastSaved|ApplicationVersion", "");
    return h;
  }

  std::unique_ptr<Node> global_settings() const {
    auto s = std::make_unique<Node>("GlobalSettings");
    s->child("Version").add_int32(1000);
    Properties props(*s);
    // Y up, Z front, X right: right-handed, the frame glTF and our scenes use.
    props.integer("UpAxis", 1);
    props.integer("UpAxisSign", 1);
    props.integer("FrontAxis", 2);
    props.integer("FrontAxisSign", 1);
    props.integer("CoordAxis", 0);
    props.integer("CoordAxisSign", 1);
    props.integer("OriginalUpAxis", 1);
    props.integer("OriginalUpAxisSign", 1);
    props.number("UnitScaleFactor", kUnitScaleFactor);
    props.number("OriginalUnitScaleFactor", kUnitScaleFactor);
    props.color("AmbientColor", 0.0, 0.0, 0.0);
    props.string("DefaultCamera", "Producer Perspective");
    // Readers want a frame rate even without animation; clips are keyed at 30 per second
    // (TimeMode 6 is 30 fps, 11 is 24 fps).
    const bool animated = !scene_.animations.empty() && !scene_.skeleton.empty();
    props.enumeration("TimeMode", animated ? 6 : 11);
    props.time("TimeSpanStart", 0);
    props.time("TimeSpanStop", animated ? ktime(longest_clip()) : kKTimeSecond);
    props.number("CustomFrameRate", animated ? 30.0 : 24.0);
    return s;
  }

  std::unique_ptr<Node> documents() {
    auto d = std::make_unique<Node>("Documents");
    d->child("Count").add_int32(1);
    Node& doc = d->child("Document").add_int64(new_id()).add_string("Scene").add_string("Scene");
    Properties props(doc);
    props.object("SourceObject");
    props.string("ActiveAnimStackName", scene_.skeleton.empty() || scene_.animations.empty() ? std::string()
                                                                                              : scene_.animations.front().name);
    doc.child("RootNode").add_int64(0);
    return d;
  }

  std::unique_ptr<Node> definitions() const {
    auto d = std::make_unique<Node>("Definitions");
    d->child("Version").add_int32(100);
    std::int32_t total = 1;  // GlobalSettings
    for (const auto& entry : object_counts_) total += entry.second;
    d->child("Count").add_int32(total);
    d->child("ObjectType").add_string("GlobalSettings").child("Count").add_int32(1);
    for (const auto& [type, count] : object_counts_) d->child("ObjectType").add_string(type).child("Count").add_int32(count);
    return d;
  }

  std::unique_ptr<Node> connections() const {
    auto c = std::make_unique<Node>("Connections");
    for (const Connection& k : connections_) {
      if (k.property.empty()) c->child("C").add_string("OO").add_int64(k.child).add_int64(k.parent);
      else c->child("C").add_string("OP").add_int64(k.child).add_int64(k.parent).add_string(k.property);
    }
    return c;
  }

  const Scene& scene_;
  const FbxOptions& options_;
  std::unique_ptr<Node> objects_;
  std::vector<std::pair<std::string, std::int32_t>> object_counts_;  // in first-use order
  struct Connection {
    std::int64_t child, parent;
    std::string property;  // empty: object to object
  };
  std::vector<Connection> connections_;
  std::int64_t next_id_ = 1000000;
  std::int64_t armature_id_ = 0;
  std::vector<std::int64_t> joint_ids_;
};

}  // namespace

std::string encode_fbx(const Scene& scene, const FbxOptions& options) {
  scene.validate();
  return FbxBuilder(scene, options).build();
}

}  // namespace flexforge::io
