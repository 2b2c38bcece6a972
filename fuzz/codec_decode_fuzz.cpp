// Fuzzes mp::decode<T> for built-in and msgpack user types: any byte string either decodes
// or throws mp::DecodeError (never a crash, an over-read, a huge allocation or another error),
// and whatever decodes re-encodes to bytes that decode and re-encode to the same bytes (bytes,
// not values: a decoded NaN is a fine value that never compares equal to itself).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "concur/multiprocessing/codec.hpp"

namespace mp = concur::mp;

namespace {

struct Record {
  int id = 0;
  std::string label;
  std::vector<double> values;
  MSGPACK_DEFINE(id, label, values)
};

// msgpack-cxx 4.1 (Debian 12) packs a double as an integer when it is integral, and its
// range check lets 2^64 through to a uint64_t conversion, which is undefined (UBSan:
// float-cast-overflow in msgpack/v1/pack.hpp pack_double). A decoded double is 2^64 when the
// bytes say so or when they hold an integer near UINT64_MAX. That bug is msgpack's, not the
// decoder's (docs/multiprocessing.md): such values are not re-encoded here.
bool unpackable(double d) {
  return d == 0x1p64;
}
template <class T>
bool has_unpackable_double(const T& /*value*/) {
  return false;
}
bool has_unpackable_double(const Record& r) {
  for (const double d : r.values) {
    if (unpackable(d)) return true;
  }
  return false;
}
bool has_unpackable_double(const std::vector<Record>& rs) {
  for (const Record& r : rs) {
    if (has_unpackable_double(r)) return true;
  }
  return false;
}

template <class T>
void check(std::string_view bytes) {
  T value;
  try {
    value = mp::decode<T>(bytes);
  } catch (const mp::DecodeError&) {
    return;  // rejected cleanly
  }
  if (has_unpackable_double(value)) return;
  const std::string again = mp::encode(value);
  if (mp::encode(mp::decode<T>(again)) != again) std::abort();  // a round trip must be stable
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the type, the rest is the encoded value.
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 9) {
    case 0:
      check<std::string>(bytes);
      break;
    case 1:
      check<std::vector<std::string>>(bytes);
      break;
    case 2:
      check<std::map<std::string, std::vector<int>>>(bytes);
      break;
    case 3:
      check<std::optional<std::variant<int, std::string>>>(bytes);
      break;
    case 4:
      check<std::tuple<int, std::string, std::vector<std::int64_t>>>(bytes);
      break;
    case 5:
      check<Record>(bytes);
      break;
    case 6:
      check<std::vector<Record>>(bytes);
      break;
    case 7:
      check<std::pair<std::string, std::optional<std::string>>>(bytes);
      break;
    default:
      check<std::vector<std::vector<std::uint8_t>>>(bytes);
      break;
  }
  return 0;
}
