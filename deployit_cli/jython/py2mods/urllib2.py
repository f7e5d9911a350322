"""Python 2's urllib2: urllib.request and urllib.error under one name."""

from urllib.error import ContentTooShortError, HTTPError, URLError  # noqa: F401
from urllib.parse import quote, unquote, urlencode  # noqa: F401
from urllib.request import *  # noqa: F401,F403
from urllib.request import (  # noqa: F401
    HTTPBasicAuthHandler, HTTPCookieProcessor, HTTPHandler, HTTPPasswordMgr, HTTPPasswordMgrWithDefaultRealm,
    HTTPSHandler, OpenerDirector, ProxyHandler, Request, build_opener, install_opener, urlopen,
)
