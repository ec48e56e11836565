import { toAppError } from './app-error';
import { classifyDependencyError, describeDependencyError, isDependencyUnavailable } from './dependency-errors';

// Shapes as Prisma 7's pg adapter produces them (observed against PostgreSQL 15 here).
const prismaError = (cause: Record<string, unknown>) =>
  Object.assign(new Error('Invalid `prisma.$executeRaw()` invocation: Raw query failed.'), {
    code: 'P2010',
    meta: { driverAdapterError: Object.assign(new Error(String(cause.kind)), { name: 'DriverAdapterError', cause }) },
  });
const postgres = (code: string, message = 'boom') => prismaError({ originalCode: code, originalMessage: message, kind: 'postgres', code, message });

describe('classifyDependencyError', () => {
  it.each([
    ['connection refused', prismaError({ kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5999 })],
    ['connection reset', prismaError({ kind: 'ConnectionClosed' })],
    ['admin shutdown (57P01)', postgres('57P01', 'terminating connection due to administrator command')],
    ['connection failure (08006)', postgres('08006')],
    ['too many connections (53300)', prismaError({ originalCode: '53300', kind: 'TooManyConnections' })],
    ['a pg connection that ended mid-query', new Error('Connection terminated unexpectedly')],
    ['a pool timeout', new Error('timeout exceeded when trying to connect')],
    ['a raw socket error', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 })],
  ])('retries %s', (_what, error) => {
    expect(classifyDependencyError(error)).toBe('transient');
  });

  it.each([
    ['a NUL byte (22021)', postgres('22021', 'invalid byte sequence for encoding "UTF8": 0x00')],
    ['an impossible date (22008)', postgres('22008')],
    ['a not-null violation (23502)', prismaError({ originalCode: '23502', kind: 'NullConstraintViolation' })],
  ])('isolates %s as a data error', (_what, error) => {
    expect(classifyDependencyError(error)).toBe('data');
  });

  it.each([
    ['a missing table (42P01)', prismaError({ originalCode: '42P01', kind: 'TableDoesNotExist' })],
    ['a permission error (42501)', postgres('42501')],
    ['a bug', new TypeError('cannot read properties of undefined')],
  ])('treats %s as fatal', (_what, error) => {
    expect(classifyDependencyError(error)).toBe('fatal');
  });
});

describe('describeDependencyError', () => {
  it('names the SQLSTATE and the server message', () => {
    expect(describeDependencyError(postgres('22021', 'invalid byte sequence for encoding "UTF8": 0x00'))).toBe('22021: invalid byte sequence for encoding "UTF8": 0x00');
  });
});

describe('isDependencyUnavailable', () => {
  const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(Object.defineProperty(new Error('whatever'), 'name', { value: name }), extra);

  it.each([
    ['ioredis giving up on a command', named('MaxRetriesPerRequestError')],
    ['ioredis after quit', new Error('Connection is closed.')],
    ['a retriable KafkaJS error', named('KafkaJSNumberOfRetriesExceeded', { retriable: true })],
    ['Prisma unable to reach the server (P1001)', Object.assign(new Error('Can\'t reach database server'), { errorCode: 'P1001' })],
    ['a pool timeout wrapped in a cause', new Error('query failed', { cause: new Error('timeout exceeded when trying to connect') })],
  ])('says yes for %s', (_what, error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
    expect(toAppError(error)).toMatchObject({ code: 'UNAVAILABLE', retriable: true });
  });

  it.each([
    ['a bug', new TypeError('cannot read properties of undefined')],
    ['a non-retriable KafkaJS error', named('KafkaJSNonRetriableError', { retriable: false })],
    ['a message that merely mentions a refused connection', new Error('user typed ECONNREFUSED Connection terminated in a message')],
    ['a unique violation', Object.assign(new Error('duplicate'), { code: '23505' })],
  ])('says no for %s', (_what, error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
    expect(toAppError(error)).toMatchObject({ code: 'INTERNAL', message: 'something went wrong on our side; it has been logged' });
  });
});
