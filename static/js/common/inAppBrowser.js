// Whether the page runs inside WeChat's built-in browser (its user agent names MicroMessenger; WeCom's
// names wxwork as well): there, links to the AMap and Baidu apps are blocked, so the field view says how to
// open the page in the phone's own browser.

/** True inside WeChat or WeCom (企业微信). */
export function inWeChat(userAgent = globalThis.navigator?.userAgent || "") {
  return /MicroMessenger|wxwork/i.test(userAgent);
}
