/**
 * What the simulated support desk knows: keywords per intent, a few products, and reply
 * templates in English and Chinese. Compiled once by `responder.ts`.
 *
 * Templates: one sentence per string. English tokens are the space-separated words; Chinese
 * templates are written with a space between tokens (words of one to three characters, roughly
 * what an LLM tokenizer makes of Chinese), and the spaces are not part of the reply. `{order}`,
 * `{product}` and `{email}` are the user's entities. Replies talk in the second person and use
 * other words than the ones customers typically write ("your order" for "my order", 退换 for
 * 退款), so that they answer a message without repeating it; the simulated-llm test checks this
 * with the echo detector over many messages.
 * @internal
 */

/** Intents, in the order ties are broken (the first wins). */
export const INTENTS = ['refund', 'account', 'delivery', 'order', 'greeting', 'thanks', 'fallback'] as const
/** One of {@link INTENTS}. */
export type Intent = (typeof INTENTS)[number]

/**
 * Keywords: `word weight` (English words, lower case, or Chinese two-character words). The intent
 * with the highest sum wins; greeting and thanks only when no other intent matched.
 */
export const KEYWORDS: Record<Exclude<Intent, 'fallback'>, readonly string[]> = {
  order: [
    'order 1',
    'orders 1',
    'ordered 1',
    'purchase 1',
    'bought 1',
    'status 1',
    'check 1',
    'receipt 1',
    'confirmation 1',
    '订单 1',
    '单号 1',
    '下单 1',
    '购买 1',
    '买的 1',
    '状态 1',
    '进度 1',
    '查询 1',
    '查一 1'
  ],
  delivery: [
    'deliver 2',
    'delivered 2',
    'delivery 2',
    'arrive 2',
    'arrived 2',
    'arrival 2',
    'shipping 2',
    'shipped 2',
    'ship 2',
    'shipment 2',
    'tracking 2',
    'track 2',
    'parcel 2',
    'package 2',
    'courier 2',
    'late 2',
    'delayed 2',
    'delay 2',
    'dispatched 2',
    'transit 2',
    'lost 1',
    'address 1',
    'where 1',
    'when 1',
    '物流 2',
    '快递 2',
    '发货 2',
    '到货 2',
    '送达 2',
    '配送 2',
    '包裹 2',
    '收到 2',
    '没到 3',
    '有到 3',
    '运输 2',
    '派送 2',
    '签收 2',
    '寄到 2',
    '延迟 2',
    '地址 1',
    '时候 1',
    '哪里 1'
  ],
  refund: [
    'refund 3',
    'refunds 3',
    'refunded 3',
    'return 3',
    'returns 3',
    'returned 3',
    'returning 3',
    'money 2',
    'exchange 2',
    'cancel 2',
    'cancelled 2',
    'broken 2',
    'damaged 2',
    'defective 2',
    'faulty 2',
    'warranty 2',
    'replace 2',
    'replacement 2',
    '退款 3',
    '退货 3',
    '退钱 3',
    '换货 3',
    '退回 3',
    '退换 3',
    '取消 2',
    '坏了 2',
    '损坏 2',
    '破损 2',
    '质量 2',
    '保修 2',
    '售后 2'
  ],
  account: [
    'account 2',
    'login 2',
    'log 1',
    'password 3',
    'sign 1',
    'signin 2',
    'locked 2',
    'username 2',
    'reset 2',
    'verification 2',
    'profile 1',
    'email 1',
    '账号 2',
    '账户 2',
    '帐号 2',
    '帐户 2',
    '登录 2',
    '登陆 2',
    '密码 3',
    '注册 2',
    '验证 2',
    '邮箱 1',
    '锁定 2',
    '用户 1'
  ],
  greeting: ['hi 1', 'hello 1', 'hey 1', 'morning 1', '你好 1', '您好 1', '哈喽 1', '在吗 1', '早上 1'],
  thanks: [
    'thanks 1',
    'thank 1',
    'thx 1',
    'bye 1',
    'goodbye 1',
    'cheers 1',
    'appreciate 1',
    '谢谢 1',
    '感谢 1',
    '多谢 1',
    '再见 1',
    '拜拜 1'
  ]
}

/** Words that introduce an order number ("order 1234", "订单号1234"). */
export const ORDER_WORDS: readonly string[] = ['order', 'number', 'no', '订单', '单号']

/** Products: the names a customer may use, then the English and Chinese name in a reply. */
export const PRODUCTS: ReadonlyArray<{ names: readonly string[]; en: string; zh: string }> = [
  { names: ['phone', 'iphone', 'smartphone', '手机'], en: 'phone', zh: '手机' },
  { names: ['laptop', 'notebook', '电脑', '笔记'], en: 'laptop', zh: '笔记本电脑' },
  { names: ['headphones', 'earbuds', 'headset', 'airpods', '耳机'], en: 'headphones', zh: '耳机' },
  { names: ['charger', 'cable', '充电', '数据'], en: 'charger', zh: '充电器' },
  { names: ['tablet', 'ipad', '平板'], en: 'tablet', zh: '平板' },
  { names: ['watch', 'smartwatch', '手表'], en: 'watch', zh: '手表' },
  { names: ['camera', '相机'], en: 'camera', zh: '相机' },
  { names: ['keyboard', '键盘'], en: 'keyboard', zh: '键盘' },
  { names: ['speaker', '音箱'], en: 'speaker', zh: '音箱' },
  { names: ['monitor', 'screen', '显示', '屏幕'], en: 'monitor', zh: '显示器' }
]

/** Reply sentences of one intent in one language. */
export interface IntentTemplates {
  /** The answer when the user gave none of the entities below. */
  core: readonly string[]
  /** The answer when the user gave an order number (uses `{order}`). */
  withOrder?: readonly string[]
  /** The answer when the user gave an email address (uses `{email}`). */
  withEmail?: readonly string[]
  /** Added after the answer when the user named a product (uses `{product}`). */
  product?: readonly string[]
  /** Follow-up sentences that lengthen the reply towards its token budget. */
  more: readonly string[]
}

/** Templates of one language. */
export interface LanguageTemplates {
  intents: Record<Intent, IntentTemplates>
  /** Opens the reply when a greeting came with a question. */
  hello: readonly string[]
  /** Closings any reply can end with. */
  closing: readonly string[]
  /** Introduces the case history that pads a reply longer than every template. */
  history: string
  /** Events of the case history (`{n}` the entry number, `{time}` a time). */
  entries: readonly string[]
  /**
   * The model echoing the user, after its answer: `{text}` is the user's message (Chinese written
   * without token spaces). At the end, so that the guard's default `cut` leaves the whole answer.
   */
  echo: readonly string[]
}

export const EN: LanguageTemplates = {
  intents: {
    order: {
      core: [
        'I can look that up for you right away. Could you share the order number? It is in your confirmation email.',
        'Happy to check on that. Please send me the number from your receipt, it starts with a hash sign.',
        'Sure, let me find it. Which purchase is it? The number on the confirmation is all I need.'
      ],
      withOrder: [
        'I found {order}: it is packed and waiting for the courier to collect it today.',
        'Good news, {order} is paid and confirmed, and the warehouse is preparing it now.',
        'That purchase, {order}, left our warehouse this morning and is with the courier.'
      ],
      product: [
        'Stock is fine for your {product}, so nothing holds the shipment up.',
        'There is a two-year warranty on your {product}.'
      ],
      more: [
        'Most purchases ship within one working day of payment.',
        'The account page lists every purchase with its current status.',
        'A shipping confirmation with a tracking link goes out as soon as it leaves us.',
        'If the delivery address needs a change, tell me before it ships.',
        'You will get a text message whenever the status changes.'
      ]
    },
    delivery: {
      core: [
        'Sorry for the wait. Send me the order number and I will check with the courier.',
        'Parcels usually arrive two to three working days after dispatch. Share the number from your confirmation and I will see where yours is.',
        'Let me chase that for you. Which order number is it?'
      ],
      withOrder: [
        'I checked {order}: it is in transit and the courier expects to deliver it tomorrow.',
        'Tracking for {order} shows it reached your local depot yesterday, so it should be out for delivery today.',
        'I am sorry, {order} is running one day behind; the new estimate is the day after tomorrow.'
      ],
      product: [
        'Electronics such as your {product} need a signature on delivery, so someone should be home.',
        'We ship your {product} in a padded box.'
      ],
      more: [
        'The driver will call you before delivery.',
        'If nothing turns up within three days, we send a replacement free of charge.',
        'The tracking link in your shipping email shows its live position.',
        'There is still time to redirect it to another address.',
        'Around public holidays deliveries can take a day or two longer.'
      ]
    },
    refund: {
      core: [
        'No problem, returns are accepted within thirty days of delivery. Send me the order number and I will start one for you.',
        'Sorry it did not work out. With the order number I can create a prepaid return label for you.',
        'I can help with that. Tell me the order number and whether you would prefer your money back or an exchange.'
      ],
      withOrder: [
        'I have opened a return for {order}; the prepaid label is on its way to your inbox.',
        '{order} qualifies for a full refund: once the item is back at our warehouse, the money reaches you within five working days.',
        'Done: the return request for {order} is registered and usually approved within a day.'
      ],
      product: [
        'Please pack your {product} with all accessories in the original box.',
        'Return shipping is free when the fault is in your {product}.'
      ],
      more: [
        'Refunds go back to the card or account you paid with.',
        'Keep the courier receipt until the refund shows up.',
        'You will get an email as soon as the return is approved.',
        'If you would rather have a new one, an exchange works the same way.'
      ]
    },
    account: {
      core: [
        'I can help you get back in. What email address is the account registered with?',
        'No worries, this is easy to fix: click Forgot password on the sign-in page and follow the link we email you.',
        'For your security, please confirm the email address on the account first.'
      ],
      withEmail: [
        'I have sent a reset link to {email}; it is valid for one hour.',
        'A verification email is on its way to {email}.'
      ],
      more: [
        'If it does not arrive, check the spam folder.',
        'After five wrong attempts the account locks for fifteen minutes.',
        'Choose a new, strong password and turn on two-step verification.',
        'The security settings page shows recent sign-ins.'
      ]
    },
    greeting: {
      core: [
        'Hello! I am the support assistant. I can check an order, track a delivery, start a return or sort out a sign-in problem.',
        'Hi there, welcome! What can I do for you today?',
        'Good to see you. Tell me what you need help with: orders, deliveries, returns or your account.'
      ],
      more: ['Order numbers start with a hash sign, like the one in your confirmation email.']
    },
    thanks: {
      core: [
        "You're welcome, glad I could help.",
        'Anytime! If anything else comes up, just write here.',
        'My pleasure. Have a lovely day!'
      ],
      more: []
    },
    fallback: {
      core: [
        'I am not sure I understood that. I can help with orders, deliveries, returns and refunds, or your account: which is it about?',
        'Could you tell me a bit more? An order number or the product name helps me find the right answer.',
        'Let me make sure I get this right: is your question about an order, a delivery, a return or signing in?'
      ],
      more: ['Order numbers start with a hash sign and are in your confirmation email.']
    }
  },
  hello: ['Hi there!', 'Hello!'],
  closing: [
    'Is there anything else I can help with?',
    'Our human team is available every day from nine to nine.',
    'Just reply here if you have more questions.',
    'This conversation is saved in your account.'
  ],
  history: 'Here is the full case history:',
  entries: [
    'Entry {n} at {time}: ticket updated.',
    'Entry {n} at {time}: customer notified.',
    'Entry {n} at {time}: warehouse asked.',
    'Entry {n} at {time}: courier contacted.',
    'Entry {n} at {time}: note added.'
  ],
  echo: ['To recap, you wrote: "{text}"', 'In your words: {text}']
}

export const ZH: LanguageTemplates = {
  intents: {
    order: {
      core: [
        '我来 帮您 查 一下 这笔 订单 的 进度 。',
        '麻烦 您 提供 一下 单号 ， 我 马上 帮 您 看 最新 情况 。',
        '好的 ， 请 告诉 我 您 的 订单 编号 ， 确认 邮件 里 就 有 。'
      ],
      withOrder: [
        '订单 {order} 已经 打包 完成 ， 正在 等待 快递 揽收 。',
        '我 查到 了 ： {order} 已 付款 成功 ， 仓库 正在 备货 。',
        '{order} 的 状态 是 已 出库 ， 预计 两 个 工作日 内 送达 。'
      ],
      product: ['该 {product} 目前 有 现货 ， 不会 耽误 发出 。', '这款 {product} 享受 两年 质保 。'],
      more: [
        '付款 后 通常 二十四 小时 内 发出 。',
        '您 也 可以 在 账户 页面 的 订单 列表 里 随时 查看 状态 。',
        '如果 需要 修改 收件 信息 ， 请 在 出库 前 告诉 我 。',
        '状态 有 变化 时 ， 我们 会 发 短信 通知 您 。',
        '出库 后 您 会 收到 一封 带有 物流 单号 的 邮件 。'
      ]
    },
    delivery: {
      core: [
        '我来 帮您 查 一下 物流 进度 。 请 提供 订单 编号 ， 我 好 联系 快递 公司 。',
        '包裹 一般 在 出库 后 两到三 天 送达 。 把 单号 发给 我 ， 我 帮 您 确认 具体 位置 。',
        '很 抱歉 让 您 久等 了 。 请 告诉 我 订单 编号 ， 我 马上 追踪 这个 包裹 。'
      ],
      withOrder: [
        '{order} 已经 在 运输 途中 ， 快递 预计 明天 送达 。',
        '我 查 了 {order} 的 物流 ： 包裹 昨天 到达 本地 站点 ， 今天 会 派送 。',
        '很 抱歉 ， {order} 比 预计 晚 了 一天 ， 新 的 预计 送达 时间 是 后天 。'
      ],
      product: [
        '该 {product} 需要 本人 签字 ， 请 保持 电话 畅通 。',
        '这款 {product} 会 用 防震 包装 寄出 。'
      ],
      more: [
        '派送 前 快递员 会 给 您 打 电话 。',
        '如果 三 天 后 还 没 送到 ， 我们 会 免费 补发 。',
        '您 可以 用 物流 单号 在 快递 官网 查看 实时 位置 。',
        '如果 需要 改 派送 地址 ， 现在 还 来得及 。',
        '节假日 期间 配送 可能 会 慢 一到两 天 。'
      ]
    },
    refund: {
      core: [
        '没问题 ， 我 帮 您 办理 售后 。 请 提供 订单 编号 ， 并 说明 是 退 还是 换 。',
        '签收 后 三十 天 内 都 可以 申请 退换 。 请 把 单号 发给 我 ， 我 来 帮 您 提交 。',
        '很 抱歉 商品 让 您 不 满意 。 告诉 我 订单 编号 后 ， 我 会 为 您 生成 寄回 标签 。'
      ],
      withOrder: [
        '我 已 为 {order} 提交 了 售后 申请 ， 寄回 标签 会 发到 您 的 邮箱 。',
        '{order} 符合 退换 条件 ， 商品 寄回 仓库 后 ， 款项 会 在 五 个 工作日 内 原路 返还 。',
        '好的 ， {order} 的 售后 申请 已 登记 ， 审核 通常 一天 内 完成 。'
      ],
      product: [
        '请 把 {product} 和 配件 一起 放 回 原 包装 。',
        '如果 是 {product} 本身 的 故障 ， 运费 由 我们 承担 。'
      ],
      more: [
        '款项 会 原路 返还 到 您 的 支付 账户 。',
        '寄回 时 请 保留 快递 单据 ， 方便 我们 跟踪 。',
        '审核 通过 后 ， 您 会 收到 短信 通知 。',
        '如果 更 想 要 一件 新 的 ， 也 可以 直接 换 新 。'
      ]
    },
    account: {
      core: [
        '登录 问题 我 可以 帮 您 处理 。 请 告诉 我 注册 时 用 的 电子 邮件 ， 我 会 发 一个 重置 链接 。',
        '别 担心 ， 账户 可以 找回 。 在 登录 页 点击 “ 忘记 口令 ” ， 按 邮件 里 的 步骤 操作 即可 。',
        '为了 保护 您 的 安全 ， 请 先 提供 绑定 的 电子 邮件 地址 。'
      ],
      withEmail: [
        '重置 链接 已 发送 到 {email} ， 一小时 内 有效 。',
        '我 已 向 {email} 发送 了 一封 确认 邮件 ， 请 查收 。'
      ],
      more: [
        '如果 没 看到 邮件 ， 请 检查 一下 垃圾 邮件 文件夹 。',
        '连续 输错 五次 后 ， 账户 会 暂时 冻结 十五 分钟 。',
        '建议 设置 一个 新 的 强 口令 ， 并 开启 两步 认证 。',
        '成功 进入 后 ， 可以 在 安全 设置 里 查看 最近 的 访问 记录 。'
      ]
    },
    greeting: {
      core: [
        '您好 ， 我 是 在线 客服 助手 。 我 可以 帮 您 查 订单 、 跟踪 物流 、 办理 退换 或者 处理 账户 问题 。',
        '欢迎 光临 ！ 很 高兴 为 您 服务 ， 请问 有 什么 可以 帮 您 的 ？',
        '欢迎 ！ 请 说说 您 遇到 的 问题 ， 订单 、 配送 、 售后 、 账户 我 都 可以 帮忙 。'
      ],
      more: ['订单 编号 可以 在 确认 邮件 里 找到 。']
    },
    thanks: {
      core: [
        '不客气 ， 很 高兴 能 帮到 您 。',
        '应该 的 ！ 之后 有 任何 问题 ， 随时 来 找 我 。',
        '祝 您 生活 愉快 ， 有 需要 再 联系 ！'
      ],
      more: []
    },
    fallback: {
      core: [
        '抱歉 ， 我 没 完全 理解 您 的 意思 。 我 可以 帮 您 查 订单 、 跟踪 物流 、 办理 退换 或 处理 账户 问题 ， 请问 是 哪 一 方面 ？',
        '我 还 不太 确定 您 需要 什么 帮助 。 能 再 具体 描述 一下 吗 ？ 比如 提供 订单 编号 或 商品 名称 。',
        '这个 问题 我 需要 多 了解 一些 情况 。 您 方便 说明 一下 是 订单 、 物流 、 售后 还是 账户 的 问题 吗 ？'
      ],
      more: ['订单 编号 可以 在 确认 邮件 里 找到 。']
    }
  },
  hello: ['您好 ！', '你好 ！'],
  closing: [
    '还有 其他 需要 帮忙 的 吗 ？',
    '如有 疑问 ， 随时 联系 我 。',
    '人工 服务 每天 九点 到 二十一点 在线 。',
    '这次 对话 的 记录 会 保存 在 您 的 账户 中 。'
  ],
  history: '以下 是 完整 的 处理 记录 ：',
  entries: [
    '记录 {n} {time} 工单 更新 。',
    '记录 {n} {time} 通知 客户 。',
    '记录 {n} {time} 联系 仓库 。',
    '记录 {n} {time} 联系 快递 。',
    '记录 {n} {time} 添加 备注 。'
  ],
  echo: ['总结一下，您说的是：“{text}”', '您的原话是：{text}']
}
