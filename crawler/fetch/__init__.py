"""The Scrapy side of getting pages: settings, middlewares, the capture middleware and the
base spiders per CMS family, which only decide what to fetch next and turn responses into Pages."""
