import { describe, expect, it } from 'vitest';
import {
  collectErrors,
  hasErrors,
  normalizeCode,
  passwordProblems,
  validateCode,
  validateEmail,
  validateLoginPassword,
  validateName,
  attributesFromRows,
  rowsFromAttributes,
  validateListName,
  validateSubscriberName,
  validateContactEmail,
  validatePassword,
} from '../src/validation';

describe('validateEmail', () => {
  it.each(['ann@example.com', '  ann.lee+news@mail.example.co.uk  ', 'a@b.io'])('accepts %j', (v) => {
    expect(validateEmail(v)).toBeNull();
  });
  it.each(['', '   ', 'ann', 'ann@', '@example.com', 'ann@example', 'ann @example.com', 'a@b@c.com', 'ann@example.'])(
    'rejects %j',
    (v) => {
      expect(validateEmail(v)).toEqual(expect.any(String));
    },
  );
  it('asks for an address when empty, and for a valid one otherwise', () => {
    expect(validateEmail('')).toMatch(/Enter your email/);
    expect(validateEmail('nope')).toMatch(/valid email/);
  });
  it('rejects addresses longer than 254 characters', () => {
    expect(validateEmail(`${'a'.repeat(250)}@example.com`)).not.toBeNull();
  });
});

describe('password rules', () => {
  it('accepts ≥10 chars with upper, lower and a digit', () => {
    expect(validatePassword('Abcdefghi1')).toBeNull();
    expect(passwordProblems('Abcdefghi1')).toEqual([]);
  });
  it('names each missing rule', () => {
    expect(passwordProblems('abc').map((r) => r.id)).toEqual(['length', 'upper', 'digit']);
    expect(passwordProblems('ABCDEFGHIJ1').map((r) => r.id)).toEqual(['lower']);
    expect(passwordProblems('Abcdefghij').map((r) => r.id)).toEqual(['digit']);
    expect(passwordProblems('Abcdefgh1').map((r) => r.id)).toEqual(['length']);
  });
  it('puts the missing rules in the message', () => {
    const msg = validatePassword('abcdefghij');
    expect(msg).toContain('an uppercase letter');
    expect(msg).toContain('a digit');
    expect(msg).not.toContain('lowercase');
  });
  it('asks for a password when empty', () => {
    expect(validatePassword('')).toMatch(/Choose a password/);
  });
  it('for log-in only checks presence', () => {
    expect(validateLoginPassword('')).not.toBeNull();
    expect(validateLoginPassword('x')).toBeNull();
  });
});

describe('confirmation code', () => {
  it.each(['123456', '123 456', ' 123-456 '])('accepts %j', (v) => {
    expect(validateCode(v)).toBeNull();
  });
  it.each(['12345', '1234567', '12a456', '', '１２３４５６'])('rejects %j', (v) => {
    expect(validateCode(v)).not.toBeNull();
  });
  it('normalizes to the bare digits that are sent', () => {
    expect(normalizeCode(' 123-456 ')).toBe('123456');
  });
});

describe('validateName', () => {
  it('is optional at sign-up and required on the profile', () => {
    expect(validateName('  ', { required: false })).toBeNull();
    expect(validateName('  ', { required: true })).toMatch(/Enter your name/);
    expect(validateName('Ann', { required: true })).toBeNull();
  });
  it('limits the length', () => {
    expect(validateName('x'.repeat(121), { required: false })).toMatch(/at most 120/);
    expect(validateName('x'.repeat(120), { required: false })).toBeNull(); // the API's max_length
  });
});

describe('collectErrors / hasErrors', () => {
  it('keeps only failures', () => {
    const errs = collectErrors({ email: validateEmail('bad'), password: validatePassword('Abcdefghi1') });
    expect(Object.keys(errs)).toEqual(['email']);
    expect(hasErrors(errs)).toBe(true);
    expect(hasErrors(collectErrors({ email: null }))).toBe(false);
  });
});

describe('contacts validation', () => {
  it('list names: required, at most 120 characters (the API limit)', () => {
    expect(validateListName('   ')).toMatch(/Enter a name/);
    expect(validateListName('x'.repeat(120))).toBeNull();
    expect(validateListName('x'.repeat(121))).toMatch(/at most 120/);
  });
  it('subscriber names: optional, at most 200', () => {
    expect(validateSubscriberName('')).toBeNull();
    expect(validateSubscriberName('x'.repeat(201))).toMatch(/at most 200/);
  });
  it('subscriber emails speak of "an" address', () => {
    expect(validateContactEmail(' ')).toBe('Enter an email address.');
    expect(validateContactEmail('nope')).toMatch(/valid email/);
    expect(validateContactEmail(' a@b.co ')).toBeNull();
  });
});

describe('attributes rows', () => {
  it('build the object, skipping blank rows', () => {
    expect(
      attributesFromRows([
        { key: ' city ', value: 'Paris' },
        { key: '', value: '' },
        { key: 'plan', value: 'pro' },
      ]),
    ).toEqual({ ok: true, value: { city: 'Paris', plan: 'pro' } });
  });
  it('keep a loaded non-text value when its text is untouched, and take the text when edited', () => {
    const rows = rowsFromAttributes({ age: 42, tags: ['a'], city: 'Oslo' });
    expect(rows.map((r) => r.value)).toEqual(['42', '["a"]', 'Oslo']);
    expect(attributesFromRows(rows)).toEqual({ ok: true, value: { age: 42, tags: ['a'], city: 'Oslo' } });
    rows[0] = { ...rows[0]!, value: '43' };
    expect(attributesFromRows(rows)).toEqual({ ok: true, value: { age: '43', tags: ['a'], city: 'Oslo' } });
  });
  it('refuse a value without a name, a duplicate name, a long name, too many bytes', () => {
    expect(attributesFromRows([{ key: '', value: 'x' }])).toMatchObject({ ok: false, row: 0 });
    const dup = attributesFromRows([
      { key: 'a', value: '1' },
      { key: 'a ', value: '2' },
    ]);
    expect(dup).toMatchObject({ ok: false, row: 1 });
    expect(attributesFromRows([{ key: 'k'.repeat(65), value: '1' }])).toMatchObject({ ok: false, row: 0 });
    const big = attributesFromRows([{ key: 'blob', value: 'é'.repeat(2100) }]);
    expect(big).toMatchObject({ ok: false, row: -1 });
    if (!big.ok) expect(big.error).toMatch(/4096/);
  });
});
