// The one translation unit that compiles Asio and Beast (separate compilation keeps every other
// file free of their implementation).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
