// Redis 7's error replies, byte for byte, in one place. Handlers send these through
// ReplyBuilder::SendError; never spell an error inline.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace lw::errors {

inline constexpr std::string_view kSyntax = "ERR syntax error";
inline constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kOutOfRange = "ERR index out of range";
inline constexpr std::string_view kNoSuchKey = "ERR no such key";
inline constexpr std::string_view kOom = "OOM command not allowed when used memory > 'maxmemory'.";
inline constexpr std::string_view kNoAuth = "NOAUTH Authentication required.";
inline constexpr std::string_view kAuthNoPassword =
    "ERR AUTH <password> called without any password configured for the default user. Are you "
    "sure your configuration is correct?";
// A command inside a lock-ahead script touched a key the script did not declare.
inline constexpr std::string_view kUndeclaredKeys = "ERR script tried accessing undeclared key";
// The same, from the script runner, which stops the script and rolls it back: names the key
// and the flag that allows it.
std::string UndeclaredKey(std::string_view key);
// String family (Redis 7.0 t_string.c / bitops.c).
inline constexpr std::string_view kIncrOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kDecrOverflow = "ERR decrement would overflow";
inline constexpr std::string_view kNanOrInfinity = "ERR increment would produce NaN or Infinity";
inline constexpr std::string_view kBitOffset = "ERR bit offset is not an integer or out of range";
inline constexpr std::string_view kBitValue = "ERR bit is not an integer or out of range";
inline constexpr std::string_view kBitposBit = "ERR The bit argument must be 1 or 0.";
inline constexpr std::string_view kBitopNotSingle =
    "ERR BITOP NOT must be called with a single source key.";
inline constexpr std::string_view kBitfieldType =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is.";
inline constexpr std::string_view kBitfieldOverflow = "ERR Invalid OVERFLOW type specified";
inline constexpr std::string_view kBitfieldRoGetOnly =
    "ERR BITFIELD_RO only supports the GET subcommand";
inline constexpr std::string_view kStringTooLong =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kOffsetOutOfRange = "ERR offset is out of range";
inline constexpr std::string_view kLcsNotStrings =
    "ERR The specified keys must contain string values";
inline constexpr std::string_view kLcsLenAndIdx =
    "ERR If you want both the length and indexes, please just use IDX.";
inline constexpr std::string_view kLcsNoMemory =
    "ERR Insufficient memory, failed allocating transient memory for LCS";
// SORT (Redis 7.0 sort.c).
inline constexpr std::string_view kSortNotDouble =
    "ERR One or more scores can't be converted into double";
// Geo commands (Redis 7.0 geo.c).
inline constexpr std::string_view kGeoNeedRadius = "ERR need numeric radius";
inline constexpr std::string_view kGeoNeedWidth = "ERR need numeric width";
inline constexpr std::string_view kGeoNeedHeight = "ERR need numeric height";
inline constexpr std::string_view kGeoNegativeRadius = "ERR radius cannot be negative";
inline constexpr std::string_view kGeoNegativeBox = "ERR height or width cannot be negative";
inline constexpr std::string_view kGeoUnit =
    "ERR unsupported unit provided. please use M, KM, FT, MI";
inline constexpr std::string_view kGeoNoMember = "ERR could not decode requested zset member";
inline constexpr std::string_view kGeoCountPositive = "ERR COUNT must be > 0";
inline constexpr std::string_view kGeoAnyNeedsCount =
    "ERR the ANY argument requires COUNT argument";
inline constexpr std::string_view kGeoStoreWith =
    "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD "
    "options";
inline constexpr std::string_view kGeoSearchStoreWith =
    "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options";
// "ERR invalid longitude,latitude pair 200.000000,100.000000" (printf's %f).
std::string GeoInvalidPair(double lon, double lat);
// "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch" (the command
// name as the client spelled it).
inline std::string GeoNeedFrom(std::string_view command_name) {
  return "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
         std::string(command_name);
}
inline std::string GeoNeedBy(std::string_view command_name) {
  return "ERR exactly one of BYRADIUS and BYBOX can be specified for " + std::string(command_name);
}
// Blocking commands (Redis 7.0 timeout.c).
inline constexpr std::string_view kTimeoutNotFloat = "ERR timeout is not a float or out of range";
inline constexpr std::string_view kTimeoutNegative = "ERR timeout is negative";
// "ERR invalid expire time in 'set' command"
inline std::string InvalidExpireTime(std::string_view command_name) {
  return "ERR invalid expire time in '" + std::string(command_name) + "' command";
}

// The RESP parser's protocol errors (Redis 7.0 networking.c); the connection closes after.
inline constexpr std::string_view kProtoInvalidMultibulkLen =
    "ERR Protocol error: invalid multibulk length";
inline constexpr std::string_view kProtoInvalidBulkLen = "ERR Protocol error: invalid bulk length";
inline constexpr std::string_view kProtoUnauthMultibulkLen =
    "ERR Protocol error: unauthenticated multibulk length";
inline constexpr std::string_view kProtoUnauthBulkLen =
    "ERR Protocol error: unauthenticated bulk length";
inline constexpr std::string_view kProtoTooBigInline = "ERR Protocol error: too big inline request";
inline constexpr std::string_view kProtoTooBigMbulkCount =
    "ERR Protocol error: too big mbulk count string";
inline constexpr std::string_view kProtoTooBigBulkCount =
    "ERR Protocol error: too big bulk count string";
inline constexpr std::string_view kProtoUnbalancedQuotes =
    "ERR Protocol error: unbalanced quotes in request";
// Followed by the offending byte and a closing quote: "... got 'X'".
inline constexpr std::string_view kProtoExpectedDollarPrefix =
    "ERR Protocol error: expected '$', got '";

// Server, connection and pub/sub commands (Redis 7.0 server.c / networking.c / config.c).
inline constexpr std::string_view kNoProto = "NOPROTO unsupported protocol version";
inline constexpr std::string_view kProtoNotInteger =
    "ERR Protocol version is not an integer or out of range";
inline constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr std::string_view kHelloNoAuth =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
    "AUTH <user> <pass> option can be used to authenticate the client and select the "
    "RESP protocol version at the same time";
inline constexpr std::string_view kBadClientName =
    "ERR Client names cannot contain spaces, newlines or special characters.";
inline constexpr std::string_view kNoSuchClient = "ERR No such client";
inline constexpr std::string_view kBadClientId = "ERR client-id should be greater than 0";
inline constexpr std::string_view kInvalidClientId = "ERR Invalid client ID";
inline constexpr std::string_view kNoShutdownInProgress = "ERR No shutdown in progress.";
// "ERR Can't execute 'get': only (P|S)SUBSCRIBE / ... are allowed in this context"
std::string OnlySubscribeAllowed(std::string_view command_name);
// "ERR Syntax error in HELLO option 'x'"
std::string HelloSyntax(std::string_view option);
// "ERR Unknown client type 'x'"
std::string UnknownClientType(std::string_view type);
// "ERR No such user 'x'"
std::string NoSuchUser(std::string_view user);
// "ERR Unknown option or number of arguments for CONFIG SET - 'x'"
std::string ConfigSetUnknown(std::string_view name);
// "ERR CONFIG SET failed (possibly related to argument 'x') - <reason>"
std::string ConfigSetFailed(std::string_view name, std::string_view reason);
// "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP."
std::string SubcommandArity(std::string_view subcommand, std::string_view command);

// "ERR wrong number of arguments for 'get' command"
std::string WrongArity(std::string_view command_name);
// "ERR unknown command 'foo', with args beginning with: 'a' 'b' "
std::string UnknownCommand(std::span<const std::string_view> args);
// "ERR unknown subcommand 'foo'. Try CONFIG HELP."
std::string UnknownSubcommand(std::string_view subcommand, std::string_view command);

// Keys family (Redis 7.0 expire.c / db.c / object.c / debug.c).
inline constexpr std::string_view kExpireNxConflict =
    "ERR NX and XX, GT or LT options at the same time are not compatible";
inline constexpr std::string_view kExpireGtLtConflict =
    "ERR GT and LT options at the same time are not compatible";
inline constexpr std::string_view kInvalidCursor = "ERR invalid cursor";
inline constexpr std::string_view kDbIndexOutOfRange = "ERR DB index is out of range";
inline constexpr std::string_view kSwapDbFirst = "ERR invalid first DB index";
inline constexpr std::string_view kSwapDbSecond = "ERR invalid second DB index";
inline constexpr std::string_view kNotInt32 =
    "ERR value is out of range, value must between -2147483648 and 2147483647";
inline constexpr std::string_view kMustBePositive = "ERR value is out of range, must be positive";
inline constexpr std::string_view kNotInt64Range =
    "ERR value is out of range, value must between -9223372036854775807 and "
    "9223372036854775807";
inline constexpr std::string_view kValueOutOfRange = "ERR value is out of range";
inline constexpr std::string_view kLfuNotSelected =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
    "that when switching between policies at runtime LRU and LFU data will take some time to "
    "adjust.";
inline constexpr std::string_view kLfuSelected =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";
// "ERR Unsupported option foo" (EXPIRE's NX/XX/GT/LT parsing).
inline std::string UnsupportedOption(std::string_view option) {
  std::string out = "ERR Unsupported option " + std::string(option);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}
// "ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP."
inline std::string SubcommandSyntax(std::string_view subcommand, std::string_view command) {
  std::string out = "ERR unknown subcommand or wrong number of arguments for '" +
                    std::string(subcommand.substr(0, 128)) + "'. Try ";
  for (char c : command) out += (c >= 'a' && c <= 'z') ? char(c - 32) : c;
  out += " HELP.";
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

// Lists and hashes (Redis 7.0 t_list.c / t_hash.c). Names carry the family so they do not
// clash with the same texts other families define for their own commands.
inline constexpr std::string_view kListPosRankZero =
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
    "negative to start from the end of the list";
inline constexpr std::string_view kListPosCountNegative = "ERR COUNT can't be negative";
inline constexpr std::string_view kListPosMaxlenNegative = "ERR MAXLEN can't be negative";
inline constexpr std::string_view kHashValueNotInteger = "ERR hash value is not an integer";
inline constexpr std::string_view kHashValueNotFloat = "ERR hash value is not a float";
inline constexpr std::string_view kHashIncrNanOrInf = "ERR value is NaN or Infinity";

// Sorted sets (Redis 7.0 t_zset.c).
inline constexpr std::string_view kZAddXxNx =
    "ERR XX and NX options at the same time are not compatible";
inline constexpr std::string_view kZAddGtLtNx =
    "ERR GT, LT, and/or NX options at the same time are not compatible";
inline constexpr std::string_view kZAddIncrPair =
    "ERR INCR option supports a single increment-element pair";
inline constexpr std::string_view kZScoreNan = "ERR resulting score is not a number (NaN)";
inline constexpr std::string_view kZMinMaxNotFloat = "ERR min or max is not a float";
inline constexpr std::string_view kZMinMaxNotLex = "ERR min or max not valid string range item";
inline constexpr std::string_view kZLimitNeedsByScoreOrLex =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
inline constexpr std::string_view kZWithScoresByLex =
    "ERR syntax error, WITHSCORES not supported in combination with BYLEX";

// Multi-key commands of keys, sets and sorted sets.
inline constexpr std::string_view kSameObject = "ERR source and destination objects are the same";
inline constexpr std::string_view kNumkeysPositive = "ERR numkeys should be greater than 0";
inline constexpr std::string_view kTooManyNumkeys =
    "ERR Number of keys can't be greater than number of args";
inline constexpr std::string_view kLimitNegative = "ERR LIMIT can't be negative";
inline constexpr std::string_view kWeightNotFloat = "ERR weight value is not a float";
inline constexpr std::string_view kCountPositive = "ERR count should be greater than 0";
inline std::string AtLeastOneInputKey(std::string_view command_name) {
  return "ERR at least 1 input key is needed for '" + std::string(command_name) + "' command";
}

// Scripting (Redis 7.0 eval.c / function*.c / script.c) and MULTI (multi.c).
inline constexpr std::string_view kNumkeysNegative = "ERR Number of keys can't be negative";
inline constexpr std::string_view kWriteScriptFromRo =
    "ERR Can not execute a script with write flag using *_ro command.";
inline constexpr std::string_view kFunctionNotFound = "ERR Function not found";
inline constexpr std::string_view kNotBusy = "NOTBUSY No scripts in execution right now.";
inline constexpr std::string_view kUnkillable =
    "UNKILLABLE Sorry the script already executed write commands against the dataset. You can "
    "either wait the script termination or kill the server in a hard way using the SHUTDOWN "
    "NOSAVE command.";
inline constexpr std::string_view kScriptFlushOption =
    "ERR SCRIPT FLUSH only support SYNC|ASYNC option";
inline constexpr std::string_view kRestorePolicy =
    "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.";
inline constexpr std::string_view kBadFunctionPayload = "ERR payload version or checksum are wrong";
inline constexpr std::string_view kLibraryNotFound = "ERR Library not found";
inline constexpr std::string_view kFunctionFlushOption =
    "ERR FUNCTION FLUSH only supports SYNC|ASYNC option";
inline constexpr std::string_view kUnknownScriptCommand =
    "ERR Unknown Redis command called from script";
inline constexpr std::string_view kNoScriptCommand =
    "ERR This Redis command is not allowed from script";
inline constexpr std::string_view kScriptCallArity =
    "ERR Wrong number of args calling Redis command from script";
inline constexpr std::string_view kWriteFromReadOnlyScript =
    "ERR Write commands are not allowed from read-only scripts.";
inline constexpr std::string_view kUndecodableReply = "ERR internal error: undecodable reply";
inline constexpr std::string_view kBusyScript =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kBusyFunction =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kNotInMulti = "ERR Command not allowed inside a transaction";
inline constexpr std::string_view kMultiNested = "ERR MULTI calls can not be nested";
inline constexpr std::string_view kDiscardWithoutMulti = "ERR DISCARD without MULTI";
inline constexpr std::string_view kWatchInsideMulti = "ERR WATCH inside MULTI is not allowed";
inline constexpr std::string_view kExecWithoutMulti = "ERR EXEC without MULTI";
inline constexpr std::string_view kExecAbort =
    "EXECABORT Transaction discarded because of previous errors.";
// "ERR Library 'x' already exists"
inline std::string LibraryExists(std::string_view name) {
  return "ERR Library '" + std::string(name) + "' already exists";
}
// "ERR Function x already exists"
inline std::string FunctionExists(std::string_view name) {
  return "ERR Function " + std::string(name) + " already exists";
}
// "ERR Unknown flag: x" (SCRIPT FLAGS)
inline std::string UnknownScriptFlag(std::string_view flag) {
  return "ERR Unknown flag: " + std::string(flag);
}
// "ERR Unknown argument x" (FUNCTION LIST)
inline std::string UnknownArgument(std::string_view arg) {
  return "ERR Unknown argument " + std::string(arg);
}
// "ERR Unknown option given: x" (FUNCTION DELETE with extra arguments)
inline std::string UnknownOptionGiven(std::string_view arg) {
  return "ERR Unknown option given: " + std::string(arg);
}

// Server commands and connections (Redis 7.0 networking.c / config.c / slowlog.c).
inline constexpr std::string_view kMaxClients = "ERR max number of clients reached";
// Protected mode (redis-server 7.0's text, typos included), sent on accept.
inline constexpr std::string_view kProtectedModeDenied =
    "DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    "host the server is running, however MAKE SURE Redis is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need "
    "to do one of the above things in order for the server to start accepting connections "
    "from the outside.";
// Logged (at most once a minute) when a client sends POST or Host: as a command.
inline constexpr std::string_view kCrossProtocolWarning =
    "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: "
    "commands to Redis. This is likely due to an attacker attempting to use Cross Protocol "
    "Scripting to compromise your Redis instance. Connection aborted.";
inline constexpr std::string_view kNoConfigFile = "ERR The server is running without a config file";
inline constexpr std::string_view kSlowlogCount = "ERR count should be greater than or equal to -1";

// HyperLogLog (Redis 7.0 hyperloglog.c).
inline constexpr std::string_view kInvalidHll = "INVALIDOBJ Corrupted HLL object detected";
inline constexpr std::string_view kNotHll =
    "WRONGTYPE Key is not a valid HyperLogLog string value.";
inline constexpr std::string_view kHllNoSuchKey = "ERR The specified key does not exist";
inline constexpr std::string_view kHllNotSparse = "ERR HLL encoding is not sparse";
// "ERR Unknown PFDEBUG subcommand 'x'"
inline std::string UnknownPfdebugSubcommand(std::string_view sub) {
  return "ERR Unknown PFDEBUG subcommand '" + std::string(sub) + "'";
}

// DUMP/RESTORE and persistence (Redis 7.0 cluster.c / rdb.c / server.c / config.c).
inline constexpr std::string_view kBusyKey = "BUSYKEY Target key name already exists.";
inline constexpr std::string_view kInvalidTtl = "ERR Invalid TTL value, must be >= 0";
inline constexpr std::string_view kInvalidIdletime = "ERR Invalid IDLETIME value, must be >= 0";
inline constexpr std::string_view kInvalidFreq = "ERR Invalid FREQ value, must be >= 0 and <= 255";
inline constexpr std::string_view kDumpPayload = "ERR DUMP payload version or checksum are wrong";
inline constexpr std::string_view kBadDataFormat = "ERR Bad data format";
inline constexpr std::string_view kBgsaveInProgress = "ERR Background save already in progress";
inline constexpr std::string_view kReloadFailed =
    "ERR Error trying to load the RDB dump, check server logs.";
inline constexpr std::string_view kShutdownSaveFailed =
    "ERR Errors trying to SHUTDOWN. Check logs.";
inline constexpr std::string_view kLoading = "LOADING Redis is loading the dataset in memory";
inline constexpr std::string_view kMisconf =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
    "disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB "
    "error.";

// Streams (Redis 7.0 t_stream.c).
inline constexpr std::string_view kStreamBadId =
    "ERR Invalid stream ID specified as stream command argument";
inline constexpr std::string_view kXAddIdZero =
    "ERR The ID specified in XADD must be greater than 0-0";
inline constexpr std::string_view kXAddIdSmall =
    "ERR The ID specified in XADD is equal or smaller than the target stream top item";
inline constexpr std::string_view kXAddExhausted =
    "ERR The stream has exhausted the last possible ID, unable to add more items";
inline constexpr std::string_view kStreamTooLarge = "ERR Elements are too large to be stored";
inline constexpr std::string_view kMaxlenMinid =
    "ERR syntax error, MAXLEN and MINID options at the same time are not compatible";
inline constexpr std::string_view kMaxlenNegative = "ERR The MAXLEN argument must be >= 0.";
inline constexpr std::string_view kStreamLimitNegative = "ERR The LIMIT argument must be >= 0.";
inline constexpr std::string_view kLimitNoStrategy =
    "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy";
inline constexpr std::string_view kLimitNoApprox =
    "ERR syntax error, LIMIT cannot be used without the special ~ option";
inline constexpr std::string_view kXTrimNoStrategy =
    "ERR syntax error, XTRIM must be called with a trimming strategy";
inline constexpr std::string_view kBadStartId = "ERR invalid start ID for the interval";
inline constexpr std::string_view kBadEndId = "ERR invalid end ID for the interval";
inline constexpr std::string_view kXSetIdSmall =
    "ERR The ID specified in XSETID is smaller than the target stream top item";
inline constexpr std::string_view kXSetIdEntriesAdded =
    "ERR The entries_added specified in XSETID is smaller than the target stream length";
inline constexpr std::string_view kXSetIdProvidedMaxDeleted =
    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id";
inline constexpr std::string_view kEntriesAddedPositive = "ERR entries_added must be positive";
inline constexpr std::string_view kStreamTimeoutNotInt =
    "ERR timeout is not an integer or out of range";
inline constexpr std::string_view kStreamTimeoutRange = "ERR timeout is out of range";
inline constexpr std::string_view kXReadNoAck =
    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.";
inline constexpr std::string_view kXReadGroup =
    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.";
inline constexpr std::string_view kXReadGroupMissing = "ERR Missing GROUP option for XREADGROUP";
inline constexpr std::string_view kXReadGt =
    "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
    "<consumer> option.";
inline constexpr std::string_view kXReadGroupDollar =
    "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of "
    "this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID "
    "would just return an empty result set.";
inline constexpr std::string_view kXGroupNoKey =
    "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to "
    "use the MKSTREAM option to create an empty stream automatically.";
inline constexpr std::string_view kBusyGroup = "BUSYGROUP Consumer Group name already exists";
inline constexpr std::string_view kEntriesReadPositive =
    "ERR value for ENTRIESREAD must be positive or -1";
inline constexpr std::string_view kXClaimMinIdle = "ERR Invalid min-idle-time argument for XCLAIM";
inline constexpr std::string_view kXClaimIdle = "ERR Invalid IDLE option argument for XCLAIM";
inline constexpr std::string_view kXClaimTime = "ERR Invalid TIME option argument for XCLAIM";
inline constexpr std::string_view kXClaimRetry =
    "ERR Invalid RETRYCOUNT option argument for XCLAIM";
inline constexpr std::string_view kXAutoClaimMinIdle =
    "ERR Invalid min-idle-time argument for XAUTOCLAIM";
inline constexpr std::string_view kXAutoClaimCount = "ERR COUNT must be > 0";
inline constexpr std::string_view kGroupGone =
    "NOGROUP the consumer group this client was blocked on no longer exists";
inline constexpr std::string_view kPauseMode = "ERR CLIENT PAUSE mode must be WRITE or ALL";
inline constexpr std::string_view kUnblockReason =
    "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR";
inline constexpr std::string_view kUnblockedByClient =
    "UNBLOCKED client unblocked via CLIENT UNBLOCK";
inline constexpr std::string_view kStreamGone = "UNBLOCKED the stream key no longer exists";
// "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
inline std::string UnbalancedStreams(std::string_view command) {
  return "ERR Unbalanced " + std::string(command) +
         " list of streams: for each stream key an ID or '$' must be specified.";
}
// "ERR XREAD command is not allowed with BLOCK option from scripts" (argv[0] as sent)
inline std::string BlockInScript(std::string_view command) {
  return "ERR " + std::string(command) + " command is not allowed with BLOCK option from scripts";
}
// "NOGROUP No such key 'k' or consumer group 'g' in XREADGROUP with GROUP option"
inline std::string NoGroupXReadGroup(std::string_view key, std::string_view group) {
  return "NOGROUP No such key '" + std::string(key) + "' or consumer group '" + std::string(group) +
         "' in XREADGROUP with GROUP option";
}
// "NOGROUP No such key 'k' or consumer group 'g'" (XPENDING, XCLAIM, XAUTOCLAIM)
inline std::string NoKeyOrGroup(std::string_view key, std::string_view group) {
  return "NOGROUP No such key '" + std::string(key) + "' or consumer group '" + std::string(group) +
         "'";
}
// "NOGROUP No such consumer group 'g' for key name 'k'" (XGROUP, XINFO)
inline std::string NoGroupForKey(std::string_view key, std::string_view group) {
  return "NOGROUP No such consumer group '" + std::string(group) + "' for key name '" +
         std::string(key) + "'";
}
// "ERR Unrecognized XCLAIM option 'x'"
inline std::string XClaimOption(std::string_view opt) {
  return "ERR Unrecognized XCLAIM option '" + std::string(opt) + "'";
}

}  // namespace lw::errors
