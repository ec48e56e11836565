import { useSyncExternalStore } from 'react';
import type { ChatController, ChatState } from '../chat/chat-controller';

/** The controller's state, re-rendering the component whenever it changes. */
export function useChatState(controller: ChatController): ChatState {
  return useSyncExternalStore(controller.subscribe, controller.getState);
}
