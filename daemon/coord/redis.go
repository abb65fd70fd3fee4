package coord

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Redis coordinates the daemons that share one Redis server, 3.2 or later
// (standalone or a primary with replicas; not Redis Cluster, whose
// scripts would need their keys in one hash slot). Every decision that two daemons could
// race on is one Lua script, so that Redis, single-threaded, orders them;
// the host limiter also takes its clock from Redis, so daemons whose
// clocks drift still space their requests alike.
//
// Keys, all under Prefix:
//
//	{prefix}:tick:{site}:{unix seconds}   a tick's claim, for its ttl
//	{prefix}:lease:{site}                 "{holder}|{token}", for the lease ttl
//	{prefix}:fence:{site}                 the site's last token (never expires)
//	{prefix}:committed:{site}             the site's last committed token
//	{prefix}:pause:{host}                 a pause in force, for its length
//	{prefix}:pace:{host}                  no start to host before (ms)
//	{prefix}:slots:{host}                 sorted set: slot → when it frees (ms)
//
// The connection is made lazily and remade as needed: a daemon starts
// while Redis is down, and its calls fail with ErrUnavailable until Redis
// answers.
type Redis struct {
	c        *redis.Client
	id       string
	prefix   string
	password string // to scrub from errors
	addr     string // redacted, for the log
	log      *slog.Logger
	nonce    string        // this process, in values that must be unique
	seq      atomic.Uint64 // … with a counter
	down     atomic.Bool   // the last call found Redis unavailable
	hosts    *redisHosts
	close    sync.Once
}

var _ Coordinator = (*Redis)(nil)

// RedisOptions configure NewRedis.
type RedisOptions struct {
	// URL is redis://[[user]:password@]host:port[/db], rediss:// for
	// TLS, or unix://[[user]:password@]/path.sock. Without a password in
	// it, $REDIS_PASSWORD is used.
	URL string
	// ID names this process among the holders; "" means DefaultID.
	ID string
	// Prefix starts every key written; "" means "jobcrawl".
	Prefix string
	// Logger receives what no caller could be told: a host slot that
	// could not be released, Redis answering again after failing, and
	// go-redis's own lines at debug level. nil discards it.
	Logger *slog.Logger
}

// redisPasswordEnv supplies the password a URL does not carry, so that
// the URL can sit in config.yaml without the secret.
const redisPasswordEnv = "REDIS_PASSWORD"

// NewRedis returns a coordinator over the Redis server at opts.URL. It
// does not connect: Redis being down at start is not an error (see Redis).
// Its errors never contain the password.
func NewRedis(opts RedisOptions) (*Redis, error) {
	raw := strings.TrimSpace(opts.URL)
	if raw == "" {
		return nil, errors.New("redis: no URL")
	}
	if _, err := url.Parse(raw); err != nil {
		// url.Error repeats the URL, and its reason may quote part of
		// the userinfo: say neither when there may be a password.
		if strings.Contains(raw, "@") {
			return nil, fmt.Errorf("redis: %s is not a valid URL", RedactURL(raw))
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("redis: %s is not a valid URL: %v", raw, err)
	}
	o, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("redis: %s: %s", RedactURL(raw), scrub(err.Error(), urlPassword(raw)))
	}
	if o.Password == "" {
		o.Password = os.Getenv(redisPasswordEnv)
	}
	// Deadlines of ctx apply to the socket too: a daemon's call with a
	// few seconds' budget must not wait out a hung server's read timeout.
	o.ContextTimeoutEnabled = true
	// go-redis would resend a command whose answer it did not read; most
	// of our scripts are safe to resend, taking a lease is not (the
	// retry would find the lease it just took, and report it held), so
	// retries are ours (see Redis.run).
	o.MaxRetries = -1
	o.DialerRetries = 1 // the pool's own dial retries would make every call wait 400ms while Redis is down
	if o.Protocol == 0 {
		o.Protocol = 2 // RESP2: every Redis speaks it, and no HELLO round trip
	}
	o.DisableIdentity = true // CLIENT SETINFO: unknown before Redis 7.2
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}

	id := opts.ID
	if id == "" {
		id = DefaultID()
	}
	prefix := opts.Prefix
	if prefix == "" {
		prefix = "jobcrawl"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	r := &Redis{
		c: redis.NewClient(o), id: id, prefix: prefix, password: o.Password,
		addr: RedactURL(raw), log: log, nonce: hex.EncodeToString(b[:]),
	}
	r.hosts = &redisHosts{r: r}
	libLogTarget.Store(r)
	libLogOnce.Do(func() { redis.SetLogger(libLogger{}) })
	return r, nil
}

// go-redis logs on its own, to stderr, with a logger of the whole
// process: a line per failed dial while Redis is down, which would
// drown the daemon's log (it logs the skipped ticks already, with the
// error). Its lines go to the Logger of the last Redis made, at debug
// level, scrubbed of its password.
var (
	libLogTarget atomic.Pointer[Redis]
	libLogOnce   sync.Once
)

type libLogger struct{}

func (libLogger) Printf(ctx context.Context, format string, v ...any) {
	if r := libLogTarget.Load(); r != nil {
		r.log.DebugContext(ctx, "redis client: "+scrub(fmt.Sprintf(format, v...), r.password), "redis", r.addr)
	}
}

// RedactURL masks the userinfo (user and password) of a Redis URL, for
// logs and error messages. It works on the text, so that it masks even a
// URL that does not parse.
func RedactURL(s string) string {
	at := strings.LastIndex(s, "@")
	if at < 0 {
		return s
	}
	start := 0
	if i := strings.Index(s, "://"); i >= 0 && i < at {
		start = i + len("://")
	}
	return s[:start] + "xxxxx" + s[at:]
}

// urlPassword is the password of a URL, if it parses and has one.
func urlPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

// scrub masks password in msg: no go-redis error we know of quotes it,
// but none must, ever.
func scrub(msg, password string) string {
	if password == "" {
		return msg
	}
	return strings.ReplaceAll(msg, password, "xxxxx")
}

// redisError is a failed call: its text is scrubbed of the password, and
// it unwraps to ErrUnavailable (when Redis could not be reached) and to
// go-redis's error, for errors.Is and errors.As.
type redisError struct {
	msg  string
	errs []error
}

func (e *redisError) Error() string   { return e.msg }
func (e *redisError) Unwrap() []error { return e.errs }

// wrap turns a go-redis error into ours.
func (r *Redis) wrap(op string, err error) error {
	msg := "redis " + op + ": "
	errs := []error{err}
	if unavailable(err) {
		r.down.Store(true)
		msg += ErrUnavailable.Error() + ": "
		errs = append(errs, ErrUnavailable)
	}
	return &redisError{msg: msg + scrub(err.Error(), r.password), errs: errs}
}

// unavailableReplies start the answers of a Redis that is there but
// cannot serve us (loading, failing over, refusing our credentials).
var unavailableReplies = []string{"LOADING", "MASTERDOWN", "READONLY", "TRYAGAIN", "CLUSTERDOWN",
	"NOAUTH", "WRONGPASS", "NOPERM", "BUSY", "MISCONF", "OOM", "ERR max number of clients", "ERR AUTH"}

// unavailable tells connection trouble (Redis down, unreachable, not
// ready or refusing us) from an answer about the command itself (a
// script error: a bug, or a key of the wrong type).
func unavailable(err error) bool {
	var re redis.Error
	if !errors.As(err, &re) {
		return true // no answer from Redis at all
	}
	msg := re.Error()
	for _, p := range unavailableReplies {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// unsent reports whether err means the command never reached Redis, so
// that sending it again cannot run it twice.
func unsent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var re redis.Error
	return errors.As(err, &re) && unavailable(err) // refused with an error reply: not run
}

// retries is how many times a failed call is sent again, after retryWait
// and twice that.
const (
	retries   = 2
	retryWait = 20 * time.Millisecond
)

// run runs script s, sending it again after connection trouble when that
// is safe: always for a script that may run twice (idempotent), else only
// when it never reached Redis. A reconnection after a Redis restart or a
// dropped connection then costs no failed call.
func (r *Redis) run(ctx context.Context, op string, idempotent bool, s *redis.Script, keys []string, args ...any) (any, error) {
	for attempt := 0; ; attempt++ {
		v, err := s.Run(ctx, r.c, keys, args...).Result()
		if err == nil {
			r.up()
			return v, nil
		}
		if attempt < retries && ctx.Err() == nil && unavailable(err) && (idempotent || unsent(err)) {
			if sleep(ctx, retryWait<<attempt) == nil {
				continue
			}
		}
		return nil, r.wrap(op, err)
	}
}

// up notes a successful call, and logs that Redis answers again: the
// failures were returned to the callers, the recovery is said nowhere
// else.
func (r *Redis) up() {
	if r.down.Swap(false) {
		r.log.Info("coordination: redis answers again", "redis", r.addr)
	}
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ms is d in whole milliseconds, at least 1: PX and PEXPIRE refuse 0.
func ms(d time.Duration) int64 { return max(1, d.Milliseconds()) }

// unique is a value no other call of any process writes: the id, a
// random word drawn at start (two processes may share an id, and a
// restarted one reuses it) and a counter.
func (r *Redis) unique() string {
	return r.id + "|" + r.nonce + "|" + strconv.FormatUint(r.seq.Add(1), 10)
}

func (r *Redis) key(kind, name string) string { return r.prefix + ":" + kind + ":" + name }

// ID implements Coordinator.
func (r *Redis) ID() string { return r.id }

// claimScript is SET NX, made safe to send twice: the second time finds
// its own value (unique per call) and knows it won.
var claimScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0`)

// ClaimTick implements Coordinator.
func (r *Redis) ClaimTick(ctx context.Context, site string, at time.Time, ttl time.Duration) (bool, error) {
	k := r.key("tick", site+":"+strconv.FormatInt(at.Unix(), 10))
	v, err := r.run(ctx, "claim tick", true, claimScript, []string{k}, r.unique(), ms(ttl))
	if err != nil {
		return false, err
	}
	return v == int64(1), nil
}

// acquireScript takes the lease unless it is held: 0 and the holder, or
// the new token and "".
var acquireScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur then return {0, cur} end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. token, 'PX', ARGV[2])
return {token, ''}`)

// Acquire implements Coordinator.
func (r *Redis) Acquire(ctx context.Context, site string, ttl time.Duration) (Lease, error) {
	expiry := time.Now().Add(ttl) // taken before: the lease lives at most that long
	v, err := r.run(ctx, "acquire lease", false, acquireScript,
		[]string{r.key("lease", site), r.key("fence", site)}, r.id, ms(ttl))
	if err != nil {
		return Lease{}, err
	}
	res, _ := v.([]any)
	if len(res) != 2 {
		return Lease{}, fmt.Errorf("redis acquire lease: unexpected answer %v", v)
	}
	token, _ := res[0].(int64)
	if token == 0 {
		holder, _, _ := parseLease(fmt.Sprint(res[1]))
		return Lease{}, fmt.Errorf("%w (%s holds it)", ErrHeld, holder)
	}
	return Lease{Site: site, Holder: r.id, Token: token, Expiry: expiry}, nil
}

// leaseValue is what the lease key holds while l is the site's lease.
func leaseValue(l Lease) string { return l.Holder + "|" + strconv.FormatInt(l.Token, 10) }

// parseLease reads a lease key's value; the holder may contain '|'.
func parseLease(v string) (holder string, token int64, ok bool) {
	i := strings.LastIndexByte(v, '|')
	if i < 0 {
		return v, 0, false
	}
	token, err := strconv.ParseInt(v[i+1:], 10, 64)
	return v[:i], token, err == nil
}

var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)

// Renew implements Coordinator.
func (r *Redis) Renew(ctx context.Context, l *Lease, ttl time.Duration) error {
	expiry := time.Now().Add(ttl)
	v, err := r.run(ctx, "renew lease", true, renewScript, []string{r.key("lease", l.Site)}, leaseValue(*l), ms(ttl))
	if err != nil {
		return err
	}
	if v != int64(1) {
		return ErrLost
	}
	l.Expiry = expiry
	return nil
}

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// Release implements Coordinator.
func (r *Redis) Release(ctx context.Context, l Lease) error {
	_, err := r.run(ctx, "release lease", true, releaseScript, []string{r.key("lease", l.Site)}, leaseValue(l))
	return err
}

// commitScript accepts a commit under the lease ARGV[1] (token ARGV[2])
// if it is still the site's lease and not older than the last commit:
// 1, or 0 (lease expired or taken), or -1 (older than the last commit).
var commitScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local token = tonumber(ARGV[2])
if token < tonumber(redis.call('GET', KEYS[2]) or '0') then return -1 end
redis.call('SET', KEYS[2], ARGV[2])
return 1`)

// Commit implements Coordinator.
func (r *Redis) Commit(ctx context.Context, l Lease) error {
	v, err := r.run(ctx, "commit", true, commitScript,
		[]string{r.key("lease", l.Site), r.key("committed", l.Site)}, leaseValue(l), l.Token)
	switch {
	case err != nil:
		return err
	case v == int64(0):
		return fmt.Errorf("%w (lease %d expired or taken)", ErrFenced, l.Token)
	case v != int64(1):
		return fmt.Errorf("%w (lease %d older than the last commit)", ErrFenced, l.Token)
	}
	return nil
}

// maxHolders bounds what Holders reads: a status page, not an inventory.
const maxHolders = 10000

// Holders implements Coordinator.
func (r *Redis) Holders(ctx context.Context) (map[string]Holder, error) {
	pre := r.key("lease", "")
	var keys []string
	var cursor uint64
	for {
		ks, next, err := r.c.Scan(ctx, cursor, globEscape(pre)+"*", 100).Result()
		if err != nil {
			return nil, r.wrap("list holders", err)
		}
		keys = append(keys, ks...)
		cursor = next
		if cursor == 0 || len(keys) >= maxHolders {
			break
		}
	}
	pipe := r.c.Pipeline()
	gets := make([]*redis.StringCmd, len(keys))
	ttls := make([]*redis.DurationCmd, len(keys))
	for i, k := range keys {
		gets[i] = pipe.Get(ctx, k)
		ttls[i] = pipe.PTTL(ctx, k)
	}
	if len(keys) > 0 {
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, r.wrap("list holders", err)
		}
	}
	r.up()
	out := make(map[string]Holder, len(keys))
	for i, k := range keys {
		v, err := gets[i].Result()
		ttl := ttls[i].Val()
		if err != nil || ttl <= 0 { // gone since the scan
			continue
		}
		holder, token, ok := parseLease(v)
		if !ok {
			continue
		}
		out[strings.TrimPrefix(k, pre)] = Holder{Holder: holder, Token: token, TTL: ttl}
	}
	return out, nil
}

// globEscape quotes the characters SCAN MATCH gives a meaning to.
func globEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`*?[]\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Hosts implements Coordinator.
func (r *Redis) Hosts() HostLimiter { return r.hosts }

// Close implements Coordinator. It may be called more than once.
func (r *Redis) Close() error {
	var err error
	r.close.Do(func() {
		libLogTarget.CompareAndSwap(r, nil)
		if e := r.c.Close(); e != nil {
			err = r.wrap("close", e)
		}
	})
	return err
}

// redisHosts is the HostLimiter every daemon on the Redis shares.
type redisHosts struct{ r *Redis }

var _ HostLimiter = (*redisHosts)(nil)

// luaNow is Redis's clock in ms. A script may write after reading TIME
// when it replicates its effects rather than itself: the default since
// Redis 5, asked for before (replicate_commands, a no-op since 7).
// luaInt writes a number as an integer: PX and PEXPIRE refuse "1.2e+12".
const luaNow = `
if redis.replicate_commands then redis.replicate_commands() end
local function luaInt(x) return string.format('%d', x) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

// hostAcquireScript admits a request to a host, or says how long to wait
// (ms): 0 when admitted. KEYS: pause, pace, slots. ARGV: n, per (ms),
// timeout (ms), the slot's member.
var hostAcquireScript = redis.NewScript(luaNow + `
local p = redis.call('PTTL', KEYS[1])
if p > 0 then return p end
local n = tonumber(ARGV[1])
if n <= 0 then return 0 end
if redis.call('ZSCORE', KEYS[3], ARGV[4]) then return 0 end -- sent twice: admitted the first time
local per = tonumber(ARGV[2])
local timeout = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', luaInt(now))
local wait = 0
local nextStart = tonumber(redis.call('GET', KEYS[2]) or '0')
if nextStart > now then wait = nextStart - now end
if redis.call('ZCARD', KEYS[3]) >= n then
  local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  local w = tonumber(first[2]) - now
  if w > wait then wait = w end
end
if wait > 0 then return wait end
redis.call('ZADD', KEYS[3], luaInt(now + timeout + per), ARGV[4])
redis.call('PEXPIRE', KEYS[3], luaInt(timeout + per))
local interval = math.floor(per / n)
if interval > 0 then redis.call('SET', KEYS[2], luaInt(now + interval), 'PX', luaInt(interval)) end
return 0`)

// hostReleaseScript frees a sent request's slot per (ARGV[2], ms) from
// now. KEYS: slots. ARGV: member, per.
var hostReleaseScript = redis.NewScript(luaNow + `
local per = tonumber(ARGV[2])
if redis.call('ZADD', KEYS[1], 'XX', 'CH', luaInt(now + per), ARGV[1]) == 0 then return 0 end
if redis.call('PTTL', KEYS[1]) < per then redis.call('PEXPIRE', KEYS[1], luaInt(per)) end
return 1`)

// pauseScript sets a pause of ARGV[1] ms unless a longer one is in force.
var pauseScript = redis.NewScript(`
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
  return 1
end
return 0`)

// maxPoll is the longest sleep between two tries of a host: another
// daemon's release may free a slot sooner than the wait Redis gave.
const maxPoll = 250 * time.Millisecond

// releaseTimeout bounds a slot's release, which has no context of its
// own; forgetTimeout the clean-up of a failed Acquire, which must return.
const (
	releaseTimeout = 2 * time.Second
	forgetTimeout  = 500 * time.Millisecond
)

// Acquire implements HostLimiter.
func (h *redisHosts) Acquire(ctx context.Context, host string, n int, per, timeout time.Duration) (func(bool), error) {
	r := h.r
	if timeout <= 0 {
		timeout = defaultSlotTimeout
	}
	keys := []string{r.key("pause", host), r.key("pace", host), r.key("slots", host)}
	member := r.unique()
	for {
		v, err := r.run(ctx, "host slot", true, hostAcquireScript, keys, n, per.Milliseconds(), ms(timeout), member)
		if err != nil {
			// The script may have taken the slot before its answer was
			// lost: give it back, or the host stays blocked until its
			// timeout.
			if n > 0 {
				h.forget(keys[2], member)
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		wait, _ := v.(int64)
		if wait <= 0 {
			break
		}
		if err := sleep(ctx, min(time.Duration(wait)*time.Millisecond, maxPoll)); err != nil {
			return nil, err
		}
	}
	if n <= 0 {
		return func(bool) {}, nil
	}
	var once sync.Once
	return func(sent bool) { once.Do(func() { h.release(keys[2], member, sent, per) }) }, nil
}

// release frees a slot. Its failure is logged, not returned: the caller
// has moved on, and the slot frees itself at its timeout anyway.
func (h *redisHosts) release(slots, member string, sent bool, per time.Duration) {
	r := h.r
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	var err error
	if sent {
		_, err = r.run(ctx, "host release", true, hostReleaseScript, []string{slots}, member, per.Milliseconds())
	} else if err = r.c.ZRem(ctx, slots, member).Err(); err != nil {
		err = r.wrap("host release", err)
	}
	if err != nil {
		r.log.Warn("coordination: host slot not released, it frees at its timeout", "key", slots, "error", err)
	}
}

// forget removes a slot that may not have been taken, quietly: the call
// taking it failed, and said why.
func (h *redisHosts) forget(slots, member string) {
	ctx, cancel := context.WithTimeout(context.Background(), forgetTimeout)
	defer cancel()
	h.r.c.ZRem(ctx, slots, member)
}

// Pause implements HostLimiter.
func (h *redisHosts) Pause(ctx context.Context, host string, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	_, err := h.r.run(ctx, "pause host", true, pauseScript, []string{h.r.key("pause", host)}, ms(d))
	return err
}
