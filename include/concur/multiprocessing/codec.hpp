// concur/multiprocessing/codec.hpp - how a value travels between processes (Python: pickle).
//
// Trivially copyable types travel as their raw bytes (no encoding cost); strings, vectors,
// arrays, maps, sets, optionals, pairs, tuples and variants are built in; your own types
// plug in with msgpack-cxx's MSGPACK_DEFINE(...) or a codec<T> specialization. Every decoder
// checks lengths and tags and throws DecodeError on bad bytes; none trusts a length.
//   std::string bytes = concur::mp::encode(std::vector<std::string>{"a", "b"});
//   auto v = concur::mp::decode<std::vector<std::string>>(bytes);
//   struct Point { int x; std::string label; MSGPACK_DEFINE(x, label) };  // now Encodable
// Both sides must be the same program build (raw bytes use this machine's layout).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <msgpack.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "concur/multiprocessing/errors.hpp"

namespace concur::mp {

/// A bounds-checked read cursor over encoded bytes.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) noexcept : left_(bytes) {}
  /// The next n bytes; DecodeError when fewer are left.
  std::string_view take(std::size_t n) {
    if (n > left_.size()) {
      throw DecodeError("truncated data: need " + std::to_string(n) + " bytes, " +
                        std::to_string(left_.size()) + " left");
    }
    const std::string_view out = left_.substr(0, n);
    left_.remove_prefix(n);
    return out;
  }
  /// A trivially copyable value stored as its raw bytes.
  template <class T>
  T take_trivial() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    std::memcpy(&value, take(sizeof(T)).data(), sizeof(T));
    return value;
  }
  /// A u64 element count that cannot need more than the bytes left (min_size bytes each).
  std::size_t take_count(std::size_t min_size) {
    const auto n = take_trivial<std::uint64_t>();
    if (min_size > 0 && n > left_.size() / min_size) {
      throw DecodeError("bad length " + std::to_string(n) + ": only " +
                        std::to_string(left_.size()) + " bytes left");
    }
    return static_cast<std::size_t>(n);
  }
  [[nodiscard]] std::size_t remaining() const noexcept { return left_.size(); }
  [[nodiscard]] bool empty() const noexcept { return left_.empty(); }

 private:
  std::string_view left_;
};

/// How T is written and read; specialize for your own types:
///   static void encode(const T& value, std::string& out);  // appends
///   static T decode(ByteReader& in);                        // throws DecodeError
template <class T, class Enable = void>
struct codec;

/// Types with a codec.
template <class T>
concept Encodable = requires(const T& value, std::string& out, ByteReader& in) {
  codec<T>::encode(value, out);
  { codec<T>::decode(in) } -> std::same_as<T>;
};

namespace detail {

template <class T>
concept HasMsgpack = requires(const T& t, msgpack::packer<msgpack::sbuffer>& pk) {
  t.msgpack_pack(pk);
};

template <class T>
concept RawBytes = std::is_trivially_copyable_v<T> && !std::is_pointer_v<T> &&
                   !std::is_member_pointer_v<T> && !std::is_same_v<T, bool> && !HasMsgpack<T>;

inline void put_count(std::size_t n, std::string& out) {
  const auto v = static_cast<std::uint64_t>(n);
  out.append(reinterpret_cast<const char*>(&v), sizeof v);  // NOLINT
}

// Smallest encoding of one T, used to reject impossible element counts before allocating.
template <class T>
constexpr std::size_t min_encoded_size() {
  if constexpr (RawBytes<T>) {
    return sizeof(T);
  } else {
    return 1;  // every other codec writes at least one byte (see the tuple codec)
  }
}

template <class Container>
void encode_range(const Container& c, std::string& out) {
  put_count(c.size(), out);
  for (const auto& e : c) codec<std::decay_t<decltype(e)>>::encode(e, out);
}

}  // namespace detail

/// Trivially copyable types: their bytes.
template <detail::RawBytes T>
struct codec<T> {
  static void encode(const T& value, std::string& out) {
    out.append(reinterpret_cast<const char*>(&value), sizeof(T));  // NOLINT
  }
  static T decode(ByteReader& in) { return in.take_trivial<T>(); }
};

template <>
struct codec<bool> {
  static void encode(bool value, std::string& out) { out.push_back(value ? '\1' : '\0'); }
  static bool decode(ByteReader& in) {
    const char c = in.take(1)[0];
    if (c != 0 && c != 1) throw DecodeError("bad bool byte " + std::to_string(int(c)));
    return c == 1;
  }
};

template <>
struct codec<std::string> {
  static void encode(const std::string& s, std::string& out) {
    detail::put_count(s.size(), out);
    out.append(s);
  }
  static std::string decode(ByteReader& in) {
    const std::size_t n = in.take_count(1);
    return std::string(in.take(n));
  }
};

template <Encodable T, class A>
struct codec<std::vector<T, A>> {
  static void encode(const std::vector<T, A>& v, std::string& out) {
    if constexpr (detail::RawBytes<T>) {
      detail::put_count(v.size(), out);
      out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));  // NOLINT
    } else {
      detail::encode_range(v, out);
    }
  }
  static std::vector<T, A> decode(ByteReader& in) {
    const std::size_t n = in.take_count(detail::min_encoded_size<T>());
    std::vector<T, A> v;
    if constexpr (detail::RawBytes<T>) {
      v.resize(n);
      const auto bytes = in.take(n * sizeof(T));
      if (n > 0) std::memcpy(v.data(), bytes.data(), n * sizeof(T));  // never memcpy(nullptr)
    } else {
      v.reserve(n);
      for (std::size_t i = 0; i < n; ++i) v.push_back(codec<T>::decode(in));
    }
    return v;
  }
};

template <Encodable T, std::size_t N>
requires(!detail::RawBytes<std::array<T, N>>) struct codec<std::array<T, N>> {
  static void encode(const std::array<T, N>& a, std::string& out) {
    for (const auto& e : a) codec<T>::encode(e, out);
  }
  static std::array<T, N> decode(ByteReader& in) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::array<T, N>{((void)I, codec<T>::decode(in))...};
    }
    (std::make_index_sequence<N>());
  }
};

template <Encodable T>
struct codec<std::optional<T>> {
  static void encode(const std::optional<T>& o, std::string& out) {
    out.push_back(o ? '\1' : '\0');
    if (o) codec<T>::encode(*o, out);
  }
  static std::optional<T> decode(ByteReader& in) {
    if (!codec<bool>::decode(in)) return std::nullopt;
    return codec<T>::decode(in);
  }
};

template <Encodable A, Encodable B>
struct codec<std::pair<A, B>> {
  static void encode(const std::pair<A, B>& p, std::string& out) {
    codec<A>::encode(p.first, out);
    codec<B>::encode(p.second, out);
  }
  static std::pair<A, B> decode(ByteReader& in) {
    A a = codec<A>::decode(in);
    B b = codec<B>::decode(in);
    return {std::move(a), std::move(b)};
  }
};

template <Encodable... Ts>
struct codec<std::tuple<Ts...>> {
  static void encode(const std::tuple<Ts...>& t, std::string& out) {
    if constexpr (sizeof...(Ts) == 0) {
      out.push_back('\0');  // one byte, so a count of empty tuples is bounded by the data
    } else {
      std::apply([&](const auto&... e) { (codec<Ts>::encode(e, out), ...); }, t);
    }
  }
  static std::tuple<Ts...> decode(ByteReader& in) {
    if constexpr (sizeof...(Ts) == 0) {
      if (in.take(1)[0] != 0) throw DecodeError("bad empty tuple byte");
      return {};
    } else {
      return std::tuple<Ts...>{codec<Ts>::decode(in)...};  // braces: left to right
    }
  }
};

template <Encodable... Ts>
struct codec<std::variant<Ts...>> {
  static void encode(const std::variant<Ts...>& v, std::string& out) {
    codec<std::uint32_t>::encode(static_cast<std::uint32_t>(v.index()), out);
    std::visit([&](const auto& e) { codec<std::decay_t<decltype(e)>>::encode(e, out); }, v);
  }
  static std::variant<Ts...> decode(ByteReader& in) {
    const auto index = codec<std::uint32_t>::decode(in);
    if (index >= sizeof...(Ts)) {
      throw DecodeError("bad variant index " + std::to_string(index) + " (" +
                        std::to_string(sizeof...(Ts)) + " alternatives)");
    }
    return decode_at<0>(index, in);
  }

 private:
  template <std::size_t I>
  static std::variant<Ts...> decode_at(std::size_t index, ByteReader& in) {
    if constexpr (I < sizeof...(Ts)) {
      using Alt = std::variant_alternative_t<I, std::variant<Ts...>>;
      if (index == I) return std::variant<Ts...>(std::in_place_index<I>, codec<Alt>::decode(in));
      return decode_at<I + 1>(index, in);
    } else {
      throw DecodeError("bad variant index");
    }
  }
};

/// Associative containers: a count, then the elements (key, value pairs for maps).
template <class Map, class K, class V>
struct map_codec {
  static void encode(const Map& m, std::string& out) {
    detail::put_count(m.size(), out);
    for (const auto& [k, v] : m) {
      codec<K>::encode(k, out);
      codec<V>::encode(v, out);
    }
  }
  static Map decode(ByteReader& in) {
    const std::size_t n = in.take_count(detail::min_encoded_size<K>());
    Map m;
    for (std::size_t i = 0; i < n; ++i) {
      K k = codec<K>::decode(in);
      V v = codec<V>::decode(in);
      if (!m.emplace(std::move(k), std::move(v)).second) throw DecodeError("duplicate map key");
    }
    return m;
  }
};
template <class Set, class K>
struct set_codec {
  static void encode(const Set& s, std::string& out) { detail::encode_range(s, out); }
  static Set decode(ByteReader& in) {
    const std::size_t n = in.take_count(detail::min_encoded_size<K>());
    Set s;
    for (std::size_t i = 0; i < n; ++i) {
      if (!s.insert(codec<K>::decode(in)).second) throw DecodeError("duplicate set element");
    }
    return s;
  }
};
template <Encodable K, Encodable V, class C, class A>
struct codec<std::map<K, V, C, A>> : map_codec<std::map<K, V, C, A>, K, V> {};
template <Encodable K, Encodable V, class H, class E, class A>
struct codec<std::unordered_map<K, V, H, E, A>>
    : map_codec<std::unordered_map<K, V, H, E, A>, K, V> {};
template <Encodable K, class C, class A>
struct codec<std::set<K, C, A>> : set_codec<std::set<K, C, A>, K> {};
template <Encodable K, class H, class E, class A>
struct codec<std::unordered_set<K, H, E, A>> : set_codec<std::unordered_set<K, H, E, A>, K> {};

/// Types with MSGPACK_DEFINE(...): a length, then their msgpack bytes (readable by other
/// msgpack implementations, e.g. Python's msgpack).
template <detail::HasMsgpack T>
struct codec<T> {
  static void encode(const T& value, std::string& out) {
    msgpack::sbuffer buf;
    msgpack::pack(buf, value);
    detail::put_count(buf.size(), out);
    out.append(buf.data(), buf.size());
  }
  static T decode(ByteReader& in) {
    const std::size_t n = in.take_count(1);
    const std::string_view bytes = in.take(n);
    try {
      // Every element takes at least one byte: limits that keep a lying header from making
      // msgpack reserve room for billions of elements.
      const msgpack::unpack_limit limit(n, n, n, n, n, 128);
      const msgpack::object_handle handle =
          msgpack::unpack(bytes.data(), bytes.size(), nullptr, nullptr, limit);
      return handle.get().as<T>();
    } catch (const std::exception& e) {
      throw DecodeError(std::string("bad msgpack data: ") + e.what());
    }
  }
};

/// Encodes value into a new byte string.
template <Encodable T>
std::string encode(const T& value) {
  std::string out;
  codec<T>::encode(value, out);
  return out;
}

/// Decodes a whole byte string as a T (DecodeError if bytes are left over or missing).
template <Encodable T>
T decode(std::string_view bytes) {
  ByteReader in(bytes);
  T value = codec<T>::decode(in);
  if (!in.empty()) {
    throw DecodeError(std::to_string(in.remaining()) + " unexpected bytes after the value");
  }
  return value;
}

}  // namespace concur::mp
