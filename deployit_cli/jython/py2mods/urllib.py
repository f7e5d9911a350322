"""Python 2's urllib: the quoting and fetching functions, and Python 3's urllib submodules too (so
`import urllib` followed by `urllib.parse.quote` still works)."""

import urllib.error as error  # noqa: F401
import urllib.parse as parse  # noqa: F401
import urllib.request as request  # noqa: F401
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlencode  # noqa: F401
from urllib.request import getproxies, pathname2url, url2pathname, urlcleanup, urlopen, urlretrieve  # noqa: F401

