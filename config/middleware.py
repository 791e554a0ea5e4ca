from django.middleware.locale import LocaleMiddleware


class PortalLocaleMiddleware(LocaleMiddleware):
    """Pages are in Chinese unless the user chose English with the language switch.

    The switch stores the choice in the language cookie. The browser's Accept-Language is not
    consulted for pages: the portal's users are Chinese civil servants, and a browser set up in
    English must not turn the interface English by itself. API clients may still ask for a
    language with Accept-Language, as HTTP clients expect.
    """

    def process_request(self, request):
        if not request.path_info.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
