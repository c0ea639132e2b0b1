# Exception subclasses with extra attributes, custom __init__/__str__,
# hierarchies caught by base class, and args handling.


class AppError(Exception):
    """Base of the application's errors."""


class ValidationError(AppError):
    def __init__(self, field, problem):
        super().__init__(f'{field}: {problem}')
        self.field = field
        self.problem = problem


class HttpError(AppError):
    def __init__(self, status, reason='unknown'):
        self.status = status
        self.reason = reason
        super().__init__(status, reason)

    def __str__(self):
        return f'HTTP {self.status} ({self.reason})'


class Quiet(AppError):
    def __init__(self):
        pass


class Code(ValueError):
    code = 7


def check(v):
    if v < 0:
        raise ValidationError('amount', 'negative')
    if v == 0:
        raise HttpError(404, 'not found')
    if v == 1:
        raise Quiet()
    if v == 2:
        raise Code('bad code')
    return v


for v in (-1, 0, 1, 2, 3):
    try:
        print('ok', check(v))
    except ValidationError as e:
        print('validation', e.field, e.problem, e.args, str(e), repr(e))
    except HttpError as e:
        print('http', e.status, e.reason, e.args, str(e), isinstance(e, AppError))
    except AppError as e:
        print('app', type(e).__name__, e.args, repr(str(e)))
    except ValueError as e:
        print('value', e, e.code, type(e).__mro__[1].__name__)


try:
    try:
        check(-1)
    except AppError as inner:
        raise HttpError(500) from inner
except HttpError as outer:
    print(outer, '<-', type(outer.__cause__).__name__, outer.__cause__.field)

errors = [ValidationError('x', 'y'), HttpError(418, 'teapot'), Quiet()]
print([type(e).__name__ for e in errors], [isinstance(e, Exception) for e in errors])
print(issubclass(ValidationError, AppError), issubclass(AppError, ValidationError), AppError.__doc__)


class Retry(Exception):
    def __init__(self, attempts, *rest):
        super().__init__(attempts, *rest)
        self.attempts = attempts


def flaky(n):
    for i in range(n):
        try:
            if i < 2:
                raise Retry(i + 1, 'again')
            return f'done after {i}'
        except Retry as r:
            print('retry', r.attempts, r.args)
    return 'gave up'


print(flaky(4), flaky(1))

e = HttpError(503)
e.extra = 'added later'
print(e.extra, e.status, str(e), e.args)
