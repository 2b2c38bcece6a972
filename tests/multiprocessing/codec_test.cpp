// codec<T>: round trips of every built-in type, msgpack user types, own specializations, and
// DecodeError (never a crash or a huge allocation) for every kind of bad input.
#include "concur/multiprocessing/codec.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <variant>
#include <vector>

namespace mp = concur::mp;

namespace {

template <class T>
T round_trip(const T& v) {
  return mp::decode<T>(mp::encode(v));
}

struct Point {
  int x = 0;
  int y = 0;
  friend bool operator==(const Point&, const Point&) = default;
};

struct Labelled {
  int id = 0;
  std::string label;
  std::vector<double> values;
  MSGPACK_DEFINE(id, label, values)
  friend bool operator==(const Labelled&, const Labelled&) = default;
};

enum class Color : std::uint8_t { red, green, blue };

// A type with its own codec: stored as a decimal string.
struct Decimal {
  long value = 0;
  friend bool operator==(const Decimal&, const Decimal&) = default;
  Decimal() = default;
  explicit Decimal(long v) : value(v) {}
  Decimal(const Decimal& o) : value(o.value) {}  // not trivially copyable
  Decimal& operator=(const Decimal&) = default;
};

std::string u64(std::uint64_t v) {
  return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}

}  // namespace

template <>
struct concur::mp::codec<Decimal> {
  static void encode(const Decimal& d, std::string& out) {
    codec<std::string>::encode(std::to_string(d.value), out);
  }
  static Decimal decode(ByteReader& in) {
    const std::string s = codec<std::string>::decode(in);
    try {
      return Decimal(std::stol(s));
    } catch (const std::exception&) {
      throw DecodeError("not a number: " + s);
    }
  }
};

static_assert(mp::Encodable<int>);
static_assert(mp::Encodable<std::vector<std::map<std::string, std::optional<int>>>>);
static_assert(mp::Encodable<Labelled>);
static_assert(mp::Encodable<Decimal>);
static_assert(!mp::Encodable<int*>);
static_assert(!mp::Encodable<std::vector<int*>>);

TEST(Codec, Scalars) {
  EXPECT_EQ(round_trip(42), 42);
  EXPECT_EQ(round_trip(-7LL), -7LL);
  EXPECT_EQ(round_trip(2.5), 2.5);
  EXPECT_EQ(round_trip(true), true);
  EXPECT_EQ(round_trip(false), false);
  EXPECT_EQ(round_trip('x'), 'x');
  EXPECT_EQ(round_trip(Color::blue), Color::blue);
  EXPECT_EQ(round_trip(std::numeric_limits<std::uint64_t>::max()),
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(mp::encode(7).size(), sizeof(int));  // raw bytes, no framing
}

TEST(Codec, TriviallyCopyableStructAndArray) {
  EXPECT_EQ(round_trip(Point{3, -4}), (Point{3, -4}));
  const std::array<Point, 3> a{Point{1, 2}, Point{3, 4}, Point{5, 6}};
  EXPECT_EQ(round_trip(a), a);
  EXPECT_EQ(mp::encode(a).size(), sizeof a);
}

TEST(Codec, Strings) {
  EXPECT_EQ(round_trip(std::string()), "");
  EXPECT_EQ(round_trip(std::string("hello")), "hello");
  std::string binary("a\0b\xff", 4);
  EXPECT_EQ(round_trip(binary), binary);
  const std::string big(1 << 20, 'z');
  EXPECT_EQ(round_trip(big), big);
}

TEST(Codec, Containers) {
  const std::vector<int> v{1, 2, 3};
  EXPECT_EQ(round_trip(v), v);
  EXPECT_EQ(mp::encode(v).size(), 8 + 3 * sizeof(int));  // one memcpy
  EXPECT_EQ(round_trip(std::vector<int>{}), std::vector<int>{});
  const std::vector<std::string> vs{"a", "", "ccc"};
  EXPECT_EQ(round_trip(vs), vs);
  const std::map<std::string, int> m{{"a", 1}, {"b", 2}};
  EXPECT_EQ(round_trip(m), m);
  const std::unordered_map<int, std::string> um{{1, "x"}, {2, "y"}};
  EXPECT_EQ(round_trip(um), um);
  const std::set<std::string> s{"p", "q"};
  EXPECT_EQ(round_trip(s), s);
  const std::vector<bool> vb{true, false, true};
  EXPECT_EQ(round_trip(vb), vb);
  const std::array<std::string, 2> as{"x", "yy"};
  EXPECT_EQ(round_trip(as), as);
}

TEST(Codec, OptionalPairTupleVariant) {
  EXPECT_EQ(round_trip(std::optional<std::string>()), std::nullopt);
  EXPECT_EQ(round_trip(std::optional<std::string>("v")), std::optional<std::string>("v"));
  EXPECT_EQ(round_trip(std::pair<std::string, int>("k", 9)), (std::pair<std::string, int>("k", 9)));
  const auto t = std::make_tuple(1, std::string("two"), 3.0, std::vector<int>{4});
  EXPECT_EQ(round_trip(t), t);
  EXPECT_EQ(round_trip(std::tuple<>()), std::tuple<>());
  using V = std::variant<std::monostate, int, std::string>;
  EXPECT_EQ(round_trip(V()), V());
  EXPECT_EQ(round_trip(V(5)), V(5));
  EXPECT_EQ(round_trip(V(std::string("s"))), V(std::string("s")));
}

TEST(Codec, Nested) {
  using Deep = std::map<std::string, std::vector<std::optional<std::tuple<int, std::string>>>>;
  Deep d;
  d["a"] = {std::nullopt, std::make_tuple(1, std::string("x"))};
  d["b"] = {};
  EXPECT_EQ(round_trip(d), d);
}

TEST(Codec, MsgpackUserType) {
  const Labelled l{7, "seven", {1.5, 2.5}};
  EXPECT_EQ(round_trip(l), l);
  const std::vector<Labelled> many{l, Labelled{8, "", {}}};
  EXPECT_EQ(round_trip(many), many);
  // The payload after the length is plain msgpack (an array of 3), readable elsewhere.
  const std::string bytes = mp::encode(l);
  const msgpack::object_handle h = msgpack::unpack(bytes.data() + 8, bytes.size() - 8);
  EXPECT_EQ(h.get().type, msgpack::type::ARRAY);
  EXPECT_EQ(h.get().via.array.size, 3U);
}

TEST(Codec, OwnSpecialization) {
  EXPECT_EQ(round_trip(Decimal(-12345)), Decimal(-12345));
  EXPECT_THROW(mp::decode<Decimal>(mp::encode(std::string("abc"))), mp::DecodeError);
}

// ------------------------------------------------------------------ bad input

TEST(CodecErrors, TruncatedInputOfEveryKind) {
  const auto check_all_prefixes = [](const std::string& bytes, auto tag) {
    using T = typename decltype(tag)::type;
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      EXPECT_THROW(mp::decode<T>(std::string_view(bytes.data(), n)), mp::DecodeError)
          << "prefix of " << n << " bytes";
    }
  };
  check_all_prefixes(mp::encode(12345), std::type_identity<int>());
  check_all_prefixes(mp::encode(std::string("hello")), std::type_identity<std::string>());
  check_all_prefixes(mp::encode(std::vector<std::string>{"a", "bc"}),
                     std::type_identity<std::vector<std::string>>());
  check_all_prefixes(mp::encode(std::map<int, std::string>{{1, "a"}}),
                     std::type_identity<std::map<int, std::string>>());
  check_all_prefixes(mp::encode(std::optional<int>(3)), std::type_identity<std::optional<int>>());
  check_all_prefixes(mp::encode(Labelled{1, "x", {2.0}}), std::type_identity<Labelled>());
  using V = std::variant<int, std::string>;
  check_all_prefixes(mp::encode(V(std::string("q"))), std::type_identity<V>());
}

TEST(CodecErrors, TrailingBytes) {
  std::string bytes = mp::encode(std::string("abc"));
  bytes.push_back('!');
  EXPECT_THROW(mp::decode<std::string>(bytes), mp::DecodeError);
}

TEST(CodecErrors, HugeLengthsNeverAllocate) {
  for (std::uint64_t len : {std::uint64_t{1} << 60, std::numeric_limits<std::uint64_t>::max(),
                            std::uint64_t{1} << 33}) {
    const std::string bytes = u64(len) + "xyz";
    EXPECT_THROW(mp::decode<std::string>(bytes), mp::DecodeError);
    EXPECT_THROW(mp::decode<std::vector<int>>(bytes), mp::DecodeError);
    EXPECT_THROW(mp::decode<std::vector<std::string>>(bytes), mp::DecodeError);
    EXPECT_THROW((mp::decode<std::map<int, int>>(bytes)), mp::DecodeError);
    EXPECT_THROW(mp::decode<std::vector<std::tuple<>>>(bytes), mp::DecodeError);
    EXPECT_THROW(mp::decode<Labelled>(bytes), mp::DecodeError);
  }
  // A vector<int> count that needs 4x the bytes left.
  EXPECT_THROW(mp::decode<std::vector<int>>(u64(4) + std::string(8, '\0')), mp::DecodeError);
}

TEST(CodecErrors, BadTags) {
  EXPECT_THROW(mp::decode<bool>(std::string(1, '\x02')), mp::DecodeError);
  EXPECT_THROW(mp::decode<std::optional<int>>(std::string(1, '\x07') + std::string(4, '\0')),
               mp::DecodeError);
  using V = std::variant<int, std::string>;
  std::uint32_t bad_index = 2;
  std::string bytes(reinterpret_cast<const char*>(&bad_index), sizeof bad_index);
  bytes += std::string(4, '\0');
  EXPECT_THROW(mp::decode<V>(bytes), mp::DecodeError);
  // Duplicate keys cannot come from encode(): corrupt data.
  const std::string dup = u64(2) + mp::encode(1) + mp::encode(5) + mp::encode(1) + mp::encode(6);
  EXPECT_THROW((mp::decode<std::map<int, int>>(dup)), mp::DecodeError);
}

TEST(CodecErrors, MsgpackGarbage) {
  const std::string garbage = "\xc1\xc1\xc1";  // 0xc1 is never used in msgpack
  EXPECT_THROW(mp::decode<Labelled>(u64(garbage.size()) + garbage), mp::DecodeError);
  // Valid msgpack of the wrong shape.
  msgpack::sbuffer buf;
  msgpack::pack(buf, std::string("not an array"));
  EXPECT_THROW(mp::decode<Labelled>(u64(buf.size()) + std::string(buf.data(), buf.size())),
               mp::DecodeError);
}

TEST(CodecErrors, RandomBytesOnlyEverThrowDecodeError) {
  std::mt19937_64 rng(12345);
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(rng() % 48, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() % 4 == 0 ? 0 : rng());
    try {
      (void)mp::decode<std::map<std::string, std::vector<std::optional<std::string>>>>(bytes);
    } catch (const mp::DecodeError&) {
    }
    try {
      (void)mp::decode<std::variant<int, std::string, Labelled>>(bytes);
    } catch (const mp::DecodeError&) {
    }
  }
}

TEST(CodecErrors, MsgpackHeaderClaimingBillionsOfElements) {
  // array32 header announcing 2^32-1 elements, followed by 3 bytes.
  const std::string lie = std::string("\xdd\xff\xff\xff\xff", 5) + "\x01\x02\x03";
  EXPECT_THROW(mp::decode<Labelled>(u64(lie.size()) + lie), mp::DecodeError);
}
