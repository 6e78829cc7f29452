// CSV market-data files read as EventSources: Bybit public trade dumps,
// tardis.dev CSV (trades, quotes, book_snapshot_N, incremental_book_L2),
// Binance T_DEPTH, OHLCV candles with a header and Binance kline rows.
//
// Every file is read through LineReader (plain or gzip, constant memory;
// a truncated or corrupt gzip stream ends reading with its DataLoss status).
// Common rules for all formats:
//   * The first line is the format's header and must match it exactly
//     (after a UTF-8 BOM and a trailing '\r' are removed); only Binance
//     kline files may have no header. A mismatch is an error of
//     OpenCsvSource.
//   * Fields are split on ',' (none of these formats quotes fields); a row
//     with another number of columns is "wrong column count: expected E,
//     got G". '\r' before the '\n' is ignored.
//   * An empty line is an error ("empty line") unless it is the very last
//     line of the file; a last line without '\n' is read normally.
//   * Bad rows go to EventSource::LineError (stop, or count and skip under
//     OnError::kSkip). Reasons start with a stable phrase so that SkipLog
//     groups them: `field "price": "abc" is not a decimal (invalid
//     character)`, `field "amount": "-1" is negative`, `field "timestamp":
//     "x" is not an integer`, `field "side": "up" is not buy, sell or
//     unknown`, `field "trdMatchID": too long: 40 characters, at most 39`.
//   * Instruments come from options.instruments->Intern(venue, symbol). The
//     readers do not call DataInstruments::Observe; whoever consumes the
//     events does.
//
// Per format (CsvFormat, ToString name, what a row becomes):
//   kBybitTrades "bybit-trades": `timestamp,symbol,side,size,price,
//     tickDirection,trdMatchID,grossValue,homeNotional,foreignNotional`
//     (public.bybit.com/trading dumps). timestamp is seconds with a decimal
//     fraction, converted exactly to ns (up to 9 fraction digits);
//     side Buy/Sell is the taker -> Trade{aggressor kBuyer/kSeller},
//     trade_id = trdMatchID (empty allowed; longer than TradeId holds is an
//     error, never truncated), venue Bybit, ts_event = ts_recv = timestamp.
//   kTardisTrades "tardis-trades": `exchange,symbol,timestamp,
//     local_timestamp,id,side,price,amount`, µs. Trade; side buy/sell/
//     unknown is the taker; ts_event = timestamp, ts_recv = local_timestamp.
//   kTardisQuotes "tardis-quotes": `exchange,symbol,timestamp,
//     local_timestamp,ask_amount,ask_price,bid_price,bid_amount` -> Quote
//     (update_id 0). An empty price is Undefined, an empty amount zero
//     (tardis leaves a missing side empty).
//   kTardisBookSnapshot "tardis-book-snapshot": `exchange,symbol,timestamp,
//     local_timestamp,asks[0].price,asks[0].amount,bids[0].price,
//     bids[0].amount,asks[1].price,...` for N levels (N read from the
//     header) -> BookSnapshot with the levels in file order (best first).
//     A level whose price and amount are both empty ends that side; a
//     non-empty level after it, or only one of the two fields empty, is an
//     error.
//   kTardisIncrementalL2 "tardis-incremental-l2": `exchange,symbol,
//     timestamp,local_timestamp,is_snapshot,side,price,amount` (side
//     bid/ask). A run of consecutive is_snapshot=true rows of one
//     instrument is one BookSnapshot (tardis starts a new snapshot when
//     is_snapshot goes false -> true), emitted when the run ends, with the
//     timestamps of its last row. Every other row is one BookDelta
//     (update_id 0); the last of a run of rows with the same instrument,
//     timestamp and local_timestamp carries kLastInMessage.
//   kBinanceTDepth "binance-tdepth": `symbol,timestamp,first_update_id,
//     last_update_id,side,update_type,price,qty,pu` (ms; side b/a;
//     update_type snap/set). Consecutive snap rows with the same symbol and
//     last_update_id are one BookSnapshot (update_id = last_update_id);
//     consecutive set rows sharing them are one message: one BookDelta per
//     row (update_id = last_update_id, first_update_id, prev_update_id = pu,
//     -1 read as 0), the last flagged kLastInMessage. Venue Binance,
//     ts_event = ts_recv = timestamp.
//   Book snapshots built from rows (the two formats above) are sorted best
//   first (bids descending, asks ascending); a price given twice keeps its
//   last quantity and zero quantities are dropped. A snapshot's levels are
//   held in memory until it ends; deltas need one row of lookahead.
//   kCandles "candles": `timestamp,open,high,low,close,volume`; timestamp
//     `YYYY-MM-DD HH:MM:SS[.f...]` (or 'T' for the space, optional 'Z'),
//     UTC, or an integer epoch count whose unit follows from its size
//     (< 1e11 s, < 1e14 ms, < 1e17 µs, else ns). -> Bar; interval = the
//     gap between the first two rows' timestamps (60 s when there is only
//     one row), open_time = timestamp, ts_event = ts_recv = open_time +
//     interval. Candle files are often written from doubles (pandas):
//     values with more than 9 decimals ("218102.59507500002", 6 of the
//     45,031 rows of the real sample) are rounded to 9 decimals, half away
//     from zero, where every other reader refuses them.
//     Venue options.venue; symbol options.symbol, else the file
//     name before its first '_' (extension removed), less trailing
//     '-digits' parts (dates), upper-cased:
//     btc-perp-20211231-20220201_1m.csv -> "BTC-PERP".
//   kBinanceKline "binance-kline": 12 columns `open_time,open,high,low,
//     close,volume,close_time,quote_volume,count,taker_buy_volume,
//     taker_buy_quote_volume,ignore`, with Binance's newer header line or
//     none. Times in ms (µs in Binance's spot files from 2025: the unit
//     follows from the size of open_time, as for candles). -> Bar with
//     trade_count, interval = close_time + 1 unit - open_time, ts_event =
//     ts_recv = close_time + 1 unit. Venue options.venue, else Binance;
//     symbol options.symbol, else the file name before its first '-',
//     upper-cased (ADABTC-1m-2021-11-27.csv -> "ADABTC").
//
// Not thread-safe (each source is used by one thread).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hean/core/status.h"
#include "hean/data/source.h"

namespace hean {

enum class CsvFormat : std::uint8_t {
  kBybitTrades,
  kTardisTrades,
  kTardisQuotes,
  kTardisBookSnapshot,
  kTardisIncrementalL2,
  kBinanceTDepth,
  kCandles,
  kBinanceKline,
};

// "bybit-trades", "tardis-trades", "tardis-quotes", "tardis-book-snapshot",
// "tardis-incremental-l2", "binance-tdepth", "candles", "binance-kline".
std::string_view ToString(CsvFormat f) noexcept;

// Recognises the format from a file's first line (its header, or for a
// headerless Binance kline file its first row: 12 numeric columns), or
// nullopt. A BOM and a trailing '\r' are ignored.
std::optional<CsvFormat> DetectCsvFormat(std::string_view first_line);

// Opens `path` (plain or gzip) as an EventSource of `format`. Errors: the
// file cannot be opened (from LineReader), it is empty or its header is not
// the format's, options.instruments is null, or no symbol can be derived
// for a candle or kline file.
Result<std::unique_ptr<EventSource>, Status> OpenCsvSource(const std::string& path, CsvFormat format,
                                                           const SourceOptions& options);

}  // namespace hean
