import { AppError, errorAck, toAppError } from './app-error';

describe('AppError', () => {
  it('takes retriable from the catalogue unless told otherwise, and keeps the cause out of the body', () => {
    const cause = new Error('secret detail');
    expect(new AppError('UNAVAILABLE', 'down', { cause })).toMatchObject({ retriable: true, cause });
    expect(new AppError('VALIDATION', 'bad').retriable).toBe(false);
    expect(new AppError('INTERNAL', 'stuck', { retriable: false }).retriable).toBe(false);
    expect(new AppError('UNAVAILABLE', 'down', { cause }).toBody()).toEqual({ code: 'UNAVAILABLE', message: 'down' });
  });

  it('builds failed acks from anything thrown, revealing nothing of an unknown error', () => {
    const known = new AppError('FORBIDDEN', 'not a member');
    expect(toAppError(known)).toBe(known);
    expect(errorAck(known)).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: 'not a member' } });
    expect(errorAck(new Error('SELECT * FROM users failed'))).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'something went wrong on our side; it has been logged' } });
  });
});
